package dev.flowline.cli;

import dev.flowline.model.ManifestReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The `models` commands on the tiny fixture model (real ONNX Runtime), copied so that writes stay in a temp dir. */
class ModelsCommandTest {

    private static Path copyFixture(Path dir) throws Exception {
        Path src = Path.of("src/test/resources/fixtures/tiny");
        Path dst = Files.createDirectories(dir.resolve("tiny"));
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.toList()) Files.copy(f, dst.resolve(f.getFileName()));
        }
        return dst;
    }

    private static int run(StringWriter out, String... args) {
        CommandLine cl = WorkerMain.commandLine();
        cl.setOut(new PrintWriter(out));
        return cl.execute(args);
    }

    @Test
    void listShowsAModelFromADirectory(@TempDir Path dir) throws Exception {
        copyFixture(dir);
        var stdout = new java.io.ByteArrayOutputStream();
        var old = System.out;
        System.setOut(new java.io.PrintStream(stdout));
        try {
            assertThat(run(new StringWriter(), "models", "list", "--no-builtin", "--models-dir", dir.toString())).isZero();
        } finally {
            System.setOut(old);
        }
        assertThat(stdout.toString()).contains("tiny").contains("1x4x4");
    }

    @Test
    void describeReportsALatentModelsDecoder(@TempDir Path dir) throws Exception {
        Path src = Path.of("src/test/resources/fixtures/tiny-latent");
        Path dst = Files.createDirectories(dir.resolve("tiny-latent"));
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.toList()) Files.copy(f, dst.resolve(f.getFileName()));
        }
        var stdout = new java.io.ByteArrayOutputStream();
        var old = System.out;
        System.setOut(new java.io.PrintStream(stdout));
        try {
            assertThat(run(new StringWriter(), "models", "describe", "tiny-latent", "--no-builtin", "--models-dir", dir.toString())).isZero();
        } finally {
            System.setOut(old);
        }
        assertThat(stdout.toString()).contains("decoder:").contains("decoder.onnx").contains("z[1, 4, 4] -> image[1, 8, 8]");
    }

    @Test
    void describePrintsTheQualityTiersWithEachSamplersCost(@TempDir Path dir) throws Exception {
        Path manifest = copyFixture(dir).resolve("flowline-model.json");
        Files.writeString(manifest, Files.readString(manifest).replaceFirst("\"batchSizeHint\"",
                "\"tiers\": {\"fast\": [{\"solver\": \"euler\", \"steps\": 1}, {\"solver\": \"heun\", \"schedule\": \"uniform-4\"}]},"
                        + " \"batchSizeHint\""));
        var stdout = new java.io.ByteArrayOutputStream();
        var old = System.out;
        System.setOut(new java.io.PrintStream(stdout));
        try {
            assertThat(run(new StringWriter(), "models", "describe", "tiny", "--no-builtin", "--models-dir", dir.toString())).isZero();
        } finally {
            System.setOut(old);
        }
        assertThat(stdout.toString()).contains("quality tiers:").contains("  fast: euler 1 step (1 NFE), heun 4 steps on uniform-4 (8 NFE)");
    }

    @Test
    void sampleWritesAGridOfTheRequestedSamples(@TempDir Path dir) throws Exception {
        copyFixture(dir);
        Path png = dir.resolve("grid.png");
        int code = run(new StringWriter(), "models", "sample", "tiny", "--no-builtin", "--models-dir", dir.toString(),
                "--class", "1", "--n", "4", "--solver", "heun", "--steps", "3", "--guidance", "2", "--out", png.toString());
        assertThat(code).isZero();
        BufferedImage img = ImageIO.read(png.toFile());
        // 2x2 grid of 4x4 samples scaled 3x with 2-pixel gaps: 2*(12+2)+2 = 30.
        assertThat(img.getWidth()).isEqualTo(30);
        assertThat(img.getHeight()).isEqualTo(30);
    }

    /** A latent model's grid shows decoded images: 1x8x8 from the tiny-latent decoder, not the 1x4x4 latents. */
    @Test
    void sampleOfALatentModelWritesAGridOfDecodedImages(@TempDir Path dir) throws Exception {
        Path src = Path.of("src/test/resources/fixtures/tiny-latent");
        Path dst = Files.createDirectories(dir.resolve("tiny-latent"));
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.toList()) Files.copy(f, dst.resolve(f.getFileName()));
        }
        Path png = dir.resolve("latent.png");
        int code = run(new StringWriter(), "models", "sample", "tiny-latent", "--no-builtin", "--models-dir", dir.toString(),
                "--class", "1", "--n", "4", "--solver", "heun", "--steps", "3", "--out", png.toString());
        assertThat(code).isZero();
        BufferedImage img = ImageIO.read(png.toFile());
        // 2x2 grid of 8x8 decoded images scaled 3x with 2-pixel gaps: 2*(24+2)+2 = 54.
        assertThat(img.getWidth()).isEqualTo(54);
        assertThat(img.getHeight()).isEqualTo(54);
    }

    @Test
    void optimiseScheduleStoresANamedGridInTheManifest(@TempDir Path dir) throws Exception {
        Path model = copyFixture(dir);
        int code = run(new StringWriter(), "models", "optimise-schedule", "tiny", "--no-builtin", "--models-dir", dir.toString(),
                "--steps", "4", "--samples", "8");
        assertThat(code).isZero();
        var info = ManifestReader.read(model.resolve("flowline-model.json")).info();
        double[] grid = info.schedule("boss-4").orElseThrow();
        assertThat(grid).hasSize(5);
        assertThat(grid[0]).isZero();
        assertThat(grid[4]).isEqualTo(1.0);
        for (int i = 1; i < grid.length; i++) assertThat(grid[i]).isGreaterThan(grid[i - 1]);
    }

    private static int runWithErr(StringWriter err, String... args) {
        CommandLine cl = WorkerMain.commandLine();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void anUnknownModelPrintsOneLineAndExitsWithTheUsageCode(@TempDir Path dir) throws Exception {
        copyFixture(dir);
        StringWriter err = new StringWriter();
        int code = runWithErr(err, "models", "describe", "nosuch", "--no-builtin", "--models-dir", dir.toString());
        assertThat(code).isEqualTo(CliErrors.USAGE);
        assertThat(err.toString()).contains("nosuch").doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(err.toString().strip().lines()).hasSize(1);
    }

    @Test
    void anUnknownSolverPrintsOneLineAndVerboseAddsTheStackTrace(@TempDir Path dir) throws Exception {
        copyFixture(dir);
        StringWriter err = new StringWriter();
        int code = runWithErr(err, "models", "sample", "tiny", "--no-builtin", "--models-dir", dir.toString(),
                "--solver", "foo", "--out", dir.resolve("g.png").toString());
        assertThat(code).isEqualTo(CliErrors.USAGE);
        assertThat(err.toString()).contains("foo").doesNotContain("\tat ");
        assertThat(err.toString().strip().lines()).hasSize(1);

        StringWriter verbose = new StringWriter();
        int again = runWithErr(verbose, "models", "sample", "tiny", "--no-builtin", "--models-dir", dir.toString(),
                "--solver", "foo", "--out", dir.resolve("g.png").toString(), "--verbose");
        assertThat(again).isEqualTo(CliErrors.USAGE);
        assertThat(verbose.toString()).contains("\tat ");
    }
}
