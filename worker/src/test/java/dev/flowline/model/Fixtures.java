package dev.flowline.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** The committed tiny-net fixtures (see src/test/python/make_fixtures.py) and ways to derive variants of them. */
final class Fixtures {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Tests share two cores with other work: keep the engines to one thread each. */
    static final ModelRuntimeOptions ONE_THREAD_CPU = new ModelRuntimeOptions(DeviceMode.CPU, 1, 1);

    static {
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) System.setProperty("ai.djl.pytorch.num_threads", "1");
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }

    private Fixtures() {}

    static Path dir(String name) {
        URL url = Fixtures.class.getResource("/fixtures/" + name);
        if (url == null) throw new IllegalStateException("fixture " + name + " missing: run make_fixtures.py");
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path tinyDir() {
        return dir("tiny");
    }

    static ModelManifest tinyManifest() {
        return ManifestReader.read(tinyDir().resolve(ModelManifest.FILE_NAME));
    }

    /** The inputs and outputs make_fixtures.py computed with torch. */
    record Expected(int rows, float[] x, float[] t, int[] labels, float[] v) {
        static Expected load() {
            try {
                JsonNode n = JSON.readTree(tinyDir().resolve("expected.json").toFile());
                return new Expected(n.get("rows").asInt(), floats(n.get("x")), floats(n.get("t")), ints(n.get("labels")), floats(n.get("v")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static float[] floats(JsonNode a) {
            float[] f = new float[a.size()];
            for (int i = 0; i < f.length; i++) f[i] = (float) a.get(i).asDouble();
            return f;
        }

        private static int[] ints(JsonNode a) {
            int[] f = new int[a.size()];
            for (int i = 0; i < f.length; i++) f[i] = a.get(i).asInt();
            return f;
        }
    }

    /**
     * Copies fixture {@code name} into {@code parent/dirName} and applies {@code edit} to its manifest.
     *
     * @return the copied directory
     */
    static Path copy(String name, Path parent, String dirName, Consumer<ObjectNode> edit) {
        try {
            Path target = Files.createDirectories(parent.resolve(dirName));
            try (Stream<Path> files = Files.list(dir(name))) {
                for (Path f : (Iterable<Path>) files::iterator) Files.copy(f, target.resolve(f.getFileName()));
            }
            Path manifest = target.resolve(ModelManifest.FILE_NAME);
            ObjectNode root = (ObjectNode) JSON.readTree(manifest.toFile());
            edit.accept(root);
            JSON.writerWithDefaultPrettyPrinter().writeValue(manifest.toFile(), root);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static float maxAbsDiff(float[] a, float[] b, int n) {
        float m = 0;
        for (int i = 0; i < n; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
