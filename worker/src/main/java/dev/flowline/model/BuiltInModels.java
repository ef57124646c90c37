package dev.flowline.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Models shipped inside the worker jar under {@code /models/<name>/}. DJL loads models from files, so a built-in
 * model's files are extracted into a cache directory keyed by the manifest's content hash. A file already there with
 * the same bytes is not rewritten (so DJL's and the OS's caches stay warm across restarts), one with other bytes
 * (a retrained model under an unchanged manifest) is replaced. Files are written to a temporary name and renamed,
 * so a concurrent extraction by another worker on the host never exposes a half-written file.
 */
final class BuiltInModels {
    /** Names of the models the jar may carry; a missing one is simply not offered. */
    static final List<String> NAMES = List.of("fashion-mnist", "fashion-mnist-flowmap", "fashion-mnist-latent");

    private BuiltInModels() {}

    /** Classpath resource prefix of a built-in model. */
    static String resourceDir(String name) {
        return "/models/" + name + "/";
    }

    /** Whether the classpath holds the built-in model's manifest. */
    static boolean present(String name) {
        return BuiltInModels.class.getResource(resourceDir(name) + ModelManifest.FILE_NAME) != null;
    }

    /**
     * Extracts the built-in model's manifest and every file it names (weights for each engine, evaluation files) that
     * exists on the classpath, and returns the extracted manifest's path; empty when the jar has no such model.
     * A named file missing from the classpath is left out: it fails as a missing file only if it is ever loaded.
     */
    static Optional<Path> extract(String name, Path cacheDir) {
        return extract(resourceDir(name), name, cacheDir);
    }

    /** {@link #extract(String, Path)} from any classpath directory {@code dir} (ending in '/'); tests use fixtures. */
    static Optional<Path> extract(String dir, String name, Path cacheDir) {
        URL manifestUrl = BuiltInModels.class.getResource(dir + ModelManifest.FILE_NAME);
        if (manifestUrl == null) return Optional.empty();
        try {
            byte[] manifestBytes;
            try (InputStream in = manifestUrl.openStream()) {
                manifestBytes = in.readAllBytes();
            }
            Path target = cacheDir.resolve(name + "-" + shortHash(manifestBytes));
            Files.createDirectories(target);
            Path manifestFile = target.resolve(ModelManifest.FILE_NAME);
            writeAtomically(manifestFile, manifestBytes);
            // The reader requires a decoder's or encoder's files beside the manifest, so those go first.
            for (String file : stageFiles(manifestBytes)) extractFile(dir, file, target);
            // Parse from the extracted copy: errors then name a real file, and we learn which files to extract.
            ModelManifest manifest = ManifestReader.read(manifestFile);
            for (String file : referencedFiles(manifest)) extractFile(dir, file, target);
            return Optional.of(manifestFile);
        } catch (IOException e) {
            throw new ModelLoadException(name, cacheDir, "cannot extract the built-in model into the cache directory: " + e, e);
        }
    }

    /** Copies one named file of the model from the classpath into {@code target}; a file not there is left out. */
    private static void extractFile(String dir, String file, Path target) throws IOException {
        Path base = target.normalize();
        Path out = base.resolve(file).normalize();
        if (!out.startsWith(base)) return; // the reader rejects such a name, naming its field
        URL url = BuiltInModels.class.getResource(dir + file);
        if (url == null) return;
        Files.createDirectories(out.getParent());
        try (InputStream in = url.openStream()) {
            writeAtomically(out, in.readAllBytes());
        }
    }

    /** Files named by the raw manifest's {@code decoder} and {@code encoder} ({@code file} and {@code alternatives}). */
    private static List<String> stageFiles(byte[] manifestBytes) {
        List<String> files = new ArrayList<>();
        com.fasterxml.jackson.databind.JsonNode root;
        try {
            root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(manifestBytes);
        } catch (IOException e) {
            return files; // the reader reports the broken manifest properly
        }
        for (String field : List.of("decoder", "encoder")) {
            com.fasterxml.jackson.databind.JsonNode stage = root == null ? null : root.get(field);
            if (stage == null || !stage.isObject()) continue;
            if (stage.path("file").isTextual()) files.add(stage.get("file").asText());
            stage.path("alternatives").forEach(f -> {
                if (f.isTextual()) files.add(f.asText());
            });
        }
        return files;
    }

    private static List<String> referencedFiles(ModelManifest m) {
        List<String> files = new ArrayList<>(m.files().values());
        // a latent model's decoder and encoder load from files beside the velocity model's
        m.decoder().ifPresent(d -> files.addAll(d.files().values()));
        m.encoder().ifPresent(e -> files.addAll(e.files().values()));
        m.evaluation().ifPresent(e -> {
            e.classifier().ifPresent(files::add);
            e.referenceFeatures().ifPresent(files::add);
        });
        return files;
    }

    private static void writeAtomically(Path file, byte[] bytes) throws IOException {
        if (Files.isRegularFile(file) && Files.size(file) == bytes.length && java.util.Arrays.equals(Files.readAllBytes(file), bytes)) return;
        Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String shortHash(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new UncheckedIOException(new IOException(e));
        }
    }
}
