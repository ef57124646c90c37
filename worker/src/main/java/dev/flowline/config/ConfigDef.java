package dev.flowline.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Declared configuration keys in the spirit of Kafka's {@code ConfigDef}: every key has a name, a type, a default,
 * a validator and a doc string, declared once; parsing, environment names and the printed reference are derived
 * from the declarations.
 *
 * <p>Key names are {@code section.camelCaseKey}. A key of type {@link Type#MAP} takes any sub-keys
 * ({@code kafka.properties.sasl.mechanism}); every other unknown key is an error naming it.
 */
public final class ConfigDef {

    /** Value types. PASSWORD is a string that is never printed. */
    public enum Type { STRING, PASSWORD, INT, LONG, DOUBLE, BOOLEAN, LIST, MAP }

    /** Checks a parsed value; throws {@link ConfigException} naming the key and value. */
    @FunctionalInterface
    public interface Validator {
        Validator NONE = (key, value) -> {};

        void ensureValid(String key, Object value);

        /** Text for the reference, e.g. {@code [1, ...]}; empty when there is nothing to say. */
        default String describe() {
            return "";
        }
    }

    /** One declared key. A null default means the key is optional with no value (the consumer derives one). */
    public record Key(String name, Type type, Object defaultValue, Validator validator, String doc) {
        public Key {
            if (!name.matches("[a-z]+\\.[a-zA-Z][a-zA-Z0-9]*")) throw new IllegalArgumentException("bad key name " + name);
            if (doc == null || doc.isBlank()) throw new IllegalArgumentException("key " + name + " needs a doc string");
        }

        public String section() {
            return name.substring(0, name.indexOf('.'));
        }

        /** {@code kafka.bootstrapServers} → {@code FLOWLINE_KAFKA_BOOTSTRAP_SERVERS}. */
        public String envName() {
            return ENV_PREFIX + section().toUpperCase(Locale.ROOT) + "_" + upperSnake(name.substring(name.indexOf('.') + 1));
        }

        public boolean secret() {
            return type == Type.PASSWORD;
        }
    }

    public static final String ENV_PREFIX = "FLOWLINE_";
    public static final String HIDDEN = "[hidden]";

    private final Map<String, Key> keys = new LinkedHashMap<>();

    public ConfigDef define(String name, Type type, Object defaultValue, Validator validator, String doc) {
        Key k = new Key(name, type, defaultValue == null ? null : parseValue(name, type, defaultValue), validator, doc);
        if (keys.putIfAbsent(name, k) != null) throw new IllegalArgumentException("key " + name + " declared twice");
        if (k.defaultValue() != null) validator.ensureValid(name, k.defaultValue());
        return this;
    }

    public ConfigDef define(String name, Type type, Object defaultValue, String doc) {
        return define(name, type, defaultValue, Validator.NONE, doc);
    }

    public Collection<Key> keys() {
        return Collections.unmodifiableCollection(keys.values());
    }

    public Key key(String name) {
        return keys.get(name);
    }

    public Set<String> sections() {
        Set<String> s = new java.util.LinkedHashSet<>();
        keys.values().forEach(k -> s.add(k.section()));
        return s;
    }

    /**
     * Parses raw values (strings from the environment, or YAML scalars, lists and maps) by key, fills defaults and
     * validates. Unknown keys are errors naming the key. Values of MAP keys are {@code Map<String, String>}.
     */
    public Map<String, Object> parse(Map<String, ?> raw) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : raw.entrySet()) {
            Key k = keys.get(e.getKey());
            if (k == null) throw new ConfigException(e.getKey(), "unknown key" + suggestion(e.getKey()));
        }
        for (Key k : keys.values()) {
            Object v = raw.get(k.name()) != null ? parseValue(k.name(), k.type(), raw.get(k.name())) : k.defaultValue();
            if (v != null) k.validator().ensureValid(k.name(), v);
            out.put(k.name(), v);
        }
        return out;
    }

    /** Key names this key could have been meant as (same name ignoring case, or another section's key of that name). */
    private String suggestion(String unknown) {
        List<String> near = new ArrayList<>();
        String tail = unknown.contains(".") ? unknown.substring(unknown.lastIndexOf('.') + 1) : unknown;
        for (String name : keys.keySet()) {
            String t = name.substring(name.indexOf('.') + 1);
            boolean sameSection = unknown.contains(".") && name.startsWith(unknown.substring(0, unknown.indexOf('.') + 1));
            if (name.equalsIgnoreCase(unknown) || t.equalsIgnoreCase(tail) || sameSection && editDistance(t.toLowerCase(Locale.ROOT), tail.toLowerCase(Locale.ROOT)) <= 2) {
                near.add(name);
            }
        }
        return near.isEmpty() ? "" : " (did you mean " + String.join(" or ", near) + "?)";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    static Object parseValue(String key, Type type, Object v) {
        if (v == null) return null;
        try {
            return switch (type) {
                case STRING, PASSWORD -> {
                    if (v instanceof Map || v instanceof List) throw new ConfigException(key, "expected a string, got a " + shape(v));
                    yield v.toString().strip();
                }
                case INT -> v instanceof Number n && isWhole(n) ? Math.toIntExact(n.longValue()) : Integer.parseInt(scalar(key, v));
                case LONG -> v instanceof Number n && isWhole(n) ? n.longValue() : Long.parseLong(scalar(key, v));
                case DOUBLE -> v instanceof Number n ? n.doubleValue() : Double.parseDouble(scalar(key, v));
                case BOOLEAN -> {
                    if (v instanceof Boolean b) yield b;
                    String s = scalar(key, v).toLowerCase(Locale.ROOT);
                    if (s.equals("true")) yield true;
                    if (s.equals("false")) yield false;
                    throw new ConfigException(key, v, "expected true or false");
                }
                case LIST -> {
                    if (v instanceof List<?> l) yield l.stream().map(o -> String.valueOf(o).strip()).toList();
                    String s = scalar(key, v);
                    yield s.isEmpty() ? List.of() : java.util.Arrays.stream(s.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList();
                }
                case MAP -> {
                    if (!(v instanceof Map<?, ?> m)) throw new ConfigException(key, "expected a map of strings, got a " + shape(v));
                    Map<String, String> flat = new TreeMap<>();
                    flattenInto(key, "", m, flat);
                    yield Collections.unmodifiableMap(flat);
                }
            };
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ConfigException(key, type == Type.PASSWORD ? HIDDEN : v, "expected " + article(type));
        }
    }

    private static void flattenInto(String key, String prefix, Map<?, ?> m, Map<String, String> out) {
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String k = prefix + e.getKey();
            if (e.getValue() instanceof Map<?, ?> sub) {
                flattenInto(key, k + ".", sub, out);
            } else if (e.getValue() == null || e.getValue() instanceof List) {
                throw new ConfigException(key + "." + k, "expected a scalar value");
            } else {
                out.put(k, e.getValue().toString());
            }
        }
    }

    private static boolean isWhole(Number n) {
        return !(n instanceof Double || n instanceof Float) || n.doubleValue() == Math.rint(n.doubleValue());
    }

    private static String scalar(String key, Object v) {
        if (v instanceof Map || v instanceof List) throw new ConfigException(key, "expected a single value, got a " + shape(v));
        return v.toString().strip();
    }

    private static String shape(Object v) {
        return v instanceof Map ? "map" : v instanceof List ? "list" : v.getClass().getSimpleName();
    }

    private static String article(Type t) {
        return switch (t) {
            case INT -> "an integer";
            case LONG -> "a long integer";
            case DOUBLE -> "a number";
            default -> "a " + t.name().toLowerCase(Locale.ROOT);
        };
    }

    static String upperSnake(String camel) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (Character.isUpperCase(c) && i > 0) b.append('_');
            b.append(Character.toUpperCase(c));
        }
        return b.toString();
    }

    /** A value as printed in logs and the reference: secrets hidden, secret-looking map entries hidden. */
    public static String display(Key key, Object value) {
        if (value == null) return "(none)";
        if (key.secret()) return HIDDEN;
        if (value instanceof Map<?, ?> m) {
            Map<String, String> shown = new TreeMap<>();
            m.forEach((k, v) -> shown.put(String.valueOf(k), Secrets.isSecretKey(String.valueOf(k)) ? HIDDEN : String.valueOf(v)));
            return shown.toString();
        }
        return String.valueOf(value);
    }

    /** The reference of every key: name, type, default, valid values, environment variable and doc. */
    public String toReference() {
        StringBuilder b = new StringBuilder();
        String section = "";
        for (Key k : keys.values()) {
            if (!k.section().equals(section)) {
                section = k.section();
                b.append(section).append(":\n");
            }
            b.append("  ").append(k.name()).append("  (").append(k.type().name().toLowerCase(Locale.ROOT))
                    .append(", default ").append(k.defaultValue() == null ? "none" : display(k, k.defaultValue()));
            String valid = k.validator().describe();
            if (!valid.isEmpty()) b.append(", valid ").append(valid);
            b.append(")\n      ").append(k.doc()).append("\n      env ").append(k.envName())
                    .append(k.type() == Type.MAP ? "_<KEY> (underscores become dots, lower case)" : "").append('\n');
        }
        return b.toString();
    }

    // ---- validators ----

    public static Validator atLeast(long min) {
        return new Validator() {
            @Override
            public void ensureValid(String key, Object value) {
                if (((Number) value).doubleValue() < min) throw new ConfigException(key, value, "must be >= " + min);
            }

            @Override
            public String describe() {
                return "[" + min + ", ...]";
            }
        };
    }

    public static Validator between(double min, double max) {
        return new Validator() {
            @Override
            public void ensureValid(String key, Object value) {
                double d = ((Number) value).doubleValue();
                if (!(d >= min && d <= max)) throw new ConfigException(key, value, "must be in [" + fmt(min) + ", " + fmt(max) + "]");
            }

            @Override
            public String describe() {
                return "[" + fmt(min) + ", " + fmt(max) + "]";
            }
        };
    }

    public static Validator oneOf(String... allowed) {
        List<String> list = List.of(allowed);
        return new Validator() {
            @Override
            public void ensureValid(String key, Object value) {
                if (!list.contains(value)) throw new ConfigException(key, value, "must be one of " + list);
            }

            @Override
            public String describe() {
                return String.join(" | ", list);
            }
        };
    }

    public static <E extends Enum<E>> Validator oneOf(Class<E> type) {
        return oneOf(java.util.Arrays.stream(type.getEnumConstants()).map(Enum::name).toArray(String[]::new));
    }

    public static Validator nonBlank() {
        return new Validator() {
            @Override
            public void ensureValid(String key, Object value) {
                if (value.toString().isBlank()) throw new ConfigException(key, value, "must not be blank");
            }

            @Override
            public String describe() {
                return "non-blank";
            }
        };
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
    }
}
