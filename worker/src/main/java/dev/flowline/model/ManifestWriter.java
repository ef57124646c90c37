package dev.flowline.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Edits a {@code flowline-model.json} in place for offline tools (the schedule optimiser). It rewrites the JSON tree,
 * so every other field and the key order survive; the result is validated as a manifest before it replaces the
 * file, and the replacement is an atomic rename, so a reader never sees half a file.
 */
public final class ManifestWriter {
    private ManifestWriter() {}

    /**
     * Adds or replaces the named schedule (a Flowline-time grid from 0 to 1, strictly increasing).
     *
     * @return the manifest as re-read after the write
     * @throws ModelLoadException if the file is not a valid manifest, the grid is invalid, or the write fails
     */
    public static ModelManifest putSchedule(Path manifestFile, String scheduleName, double[] grid) {
        ModelManifest before = ManifestReader.read(manifestFile);
        JsonNode root;
        try {
            root = ManifestReader.JSON.readTree(Files.readAllBytes(manifestFile));
        } catch (IOException e) {
            throw new ModelLoadException(before.name(), manifestFile, "cannot re-read manifest", e);
        }
        ObjectNode obj = (ObjectNode) root;
        ObjectNode schedules = obj.has("schedules") ? (ObjectNode) obj.get("schedules") : obj.putObject("schedules");
        ArrayNode array = schedules.putArray(scheduleName);
        for (double d : grid) array.add(d);

        // Validate the edited tree with the same rules as a read: a bad grid never reaches the disk.
        ModelManifest after = ManifestReader.fromTree(manifestFile, obj);
        try {
            String json = ManifestReader.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(obj) + "\n";
            Path tmp = Files.createTempFile(manifestFile.toAbsolutePath().getParent(), ".flowline-model", ".tmp");
            try {
                Files.writeString(tmp, json, StandardCharsets.UTF_8);
                try {
                    Files.move(tmp, manifestFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, manifestFile, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new ModelLoadException(before.name(), manifestFile, "cannot write manifest", e);
        }
        return after;
    }
}
