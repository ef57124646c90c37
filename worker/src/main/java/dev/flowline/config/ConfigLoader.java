package dev.flowline.config;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads raw configuration values for a {@link ConfigDef}: a YAML or JSON file (nested sections or dotted keys),
 * then environment variables {@code FLOWLINE_<SECTION>_<KEY>} on top. The result goes to {@link ConfigDef#parse}.
 *
 * <p>Environment mapping: the key's camelCase becomes UPPER_SNAKE ({@code kafka.bootstrapServers} is
 * {@code FLOWLINE_KAFKA_BOOTSTRAP_SERVERS}); for a MAP key the rest of the variable name is the entry's key in
 * lower case with underscores turned into dots ({@code FLOWLINE_KAFKA_PROPERTIES_SASL_MECHANISM} sets
 * {@code kafka.properties.sasl.mechanism}). A variable whose section is known but whose key is not is an error;
 * variables of other prefixes ({@code FLOWLINE_JAVA_OPTS}) are ignored.
 */
public final class ConfigLoader {
    private final ConfigDef def;

    public ConfigLoader(ConfigDef def) {
        this.def = def;
    }

    /** Raw values from the file (may be null for none) overlaid with the environment. */
    public Map<String, Object> load(Path file, Map<String, String> env) {
        Map<String, Object> raw = new LinkedHashMap<>();
        if (file != null) flatten("", readFile(file), raw);
        overlayEnv(env, raw);
        return raw;
    }

    static Map<String, Object> readFile(Path file) {
        if (!Files.isRegularFile(file)) throw new ConfigException("--config", "no such file: " + file);
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        ObjectMapper mapper = name.endsWith(".json") ? new ObjectMapper() : new ObjectMapper(new YAMLFactory());
        try {
            Map<String, Object> m = mapper.readValue(file.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {});
            return m == null ? Map.of() : m;
        } catch (IOException e) {
            throw new ConfigException("--config", "cannot read " + file + ": " + e.getMessage());
        }
    }

    /** Nested maps become dotted keys, except below a MAP key, whose sub-tree is its value. */
    @SuppressWarnings("unchecked")
    void flatten(String path, Map<String, Object> node, Map<String, Object> out) {
        for (Map.Entry<String, Object> e : node.entrySet()) {
            String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
            ConfigDef.Key mapKey = enclosingMapKey(p);
            if (def.key(p) != null) {
                Object prev = out.get(p);
                if (prev instanceof Map<?, ?> pm && e.getValue() instanceof Map<?, ?> vm) {
                    Map<String, Object> merged = new LinkedHashMap<>((Map<String, Object>) pm);
                    merged.putAll((Map<String, Object>) vm);
                    out.put(p, merged);
                } else {
                    out.put(p, e.getValue());
                }
            } else if (mapKey != null) {
                Map<String, Object> m = (Map<String, Object>) out.computeIfAbsent(mapKey.name(), k -> new LinkedHashMap<String, Object>());
                if (!(m instanceof LinkedHashMap)) throw new ConfigException(mapKey.name(), "expected a map");
                m.put(p.substring(mapKey.name().length() + 1), e.getValue());
            } else if (e.getValue() instanceof Map<?, ?> sub) {
                flatten(p, (Map<String, Object>) sub, out);
            } else {
                out.put(p, e.getValue());
            }
        }
    }

    private ConfigDef.Key enclosingMapKey(String path) {
        for (ConfigDef.Key k : def.keys()) {
            if (k.type() == ConfigDef.Type.MAP && path.startsWith(k.name() + ".")) return k;
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    void overlayEnv(Map<String, String> env, Map<String, Object> out) {
        var names = new java.util.TreeSet<>(env.keySet());
        for (String var : names) {
            if (!var.startsWith(ConfigDef.ENV_PREFIX)) continue;
            String value = env.get(var);
            ConfigDef.Key exact = def.keys().stream().filter(k -> k.envName().equals(var)).findFirst().orElse(null);
            if (exact != null) {
                if (exact.type() == ConfigDef.Type.MAP) throw new ConfigException(var, "set entries with " + var + "_<KEY>");
                out.put(exact.name(), value);
                continue;
            }
            ConfigDef.Key map = def.keys().stream()
                    .filter(k -> k.type() == ConfigDef.Type.MAP && var.startsWith(k.envName() + "_")).findFirst().orElse(null);
            if (map != null) {
                String entry = var.substring(map.envName().length() + 1).toLowerCase(Locale.ROOT).replace('_', '.');
                Object current = out.get(map.name());
                Map<String, Object> m = current instanceof Map<?, ?> cm ? new LinkedHashMap<>((Map<String, Object>) cm) : new LinkedHashMap<>();
                m.put(entry, value);
                out.put(map.name(), m);
                continue;
            }
            String rest = var.substring(ConfigDef.ENV_PREFIX.length());
            String section = rest.contains("_") ? rest.substring(0, rest.indexOf('_')).toLowerCase(Locale.ROOT) : "";
            if (def.sections().contains(section)) {
                throw new ConfigException(var, "unknown environment variable for section '" + section + "'; known: "
                        + def.keys().stream().filter(k -> k.section().equals(section)).map(ConfigDef.Key::envName).toList());
            }
        }
    }
}
