package dev.flowline.cli;

import dev.flowline.kafka.OutputEncoder;
import dev.flowline.model.ManifestWriter;
import dev.flowline.model.ModelInfo;
import dev.flowline.model.ModelManifest;
import dev.flowline.model.ModelRegistry;
import dev.flowline.model.ModelRegistryOptions;
import dev.flowline.model.VelocityModel;
import dev.flowline.sampling.BossOptimizer;
import dev.flowline.sampling.SampleRunner;
import dev.flowline.sampling.SampleState;
import dev.flowline.sampling.Sampler;
import dev.flowline.sampling.SamplerConfig;
import dev.flowline.sampling.VelocityField;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code flowline-worker models ...}: inspect the registry, sample a model directly (no Kafka), optimise a schedule. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "Lists and describes models, samples one directly (no Kafka), and optimises few-step schedules.",
        subcommands = {ModelsCommand.ListModels.class, ModelsCommand.Describe.class, ModelsCommand.Sample.class,
                ModelsCommand.OptimiseSchedule.class})
public final class ModelsCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        new picocli.CommandLine(this).usage(System.out);
        return 0;
    }

    /** Where models come from: the built-in ones plus --models-dir directories (as the worker's models.dirs). */
    static final class Source {
        @Option(names = "--models-dir", paramLabel = "DIR", description = "A directory of models (each with a flowline-model.json); repeatable.")
        List<Path> dirs = new ArrayList<>();

        @Option(names = "--no-builtin", description = "Leave out the built-in models.")
        boolean noBuiltin;

        ModelRegistry open() {
            return new ModelRegistry(ModelRegistryOptions.of(dirs.toArray(Path[]::new)).withBuiltIn(!noBuiltin));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the models a worker would serve.")
    static final class ListModels implements Callable<Integer> {
        @picocli.CommandLine.Mixin Source source = new Source();

        @Override
        public Integer call() {
            try (ModelRegistry registry = source.open()) {
                System.out.printf("%-20s %-8s %-12s %-10s %s%n", "NAME", "VERSION", "SHAPE", "CLASSES", "DESCRIPTION");
                for (String name : registry.names()) {
                    ModelInfo i = registry.info(name);
                    System.out.printf("%-20s %-8s %-12s %-10s %s%n", i.name(), i.version(), shape(i.sampleShape()),
                            i.numClasses() == 0 ? "-" : i.numClasses(), i.description());
                }
            }
            return 0;
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true, description = "Shows everything a job can rely on about one model.")
    static final class Describe implements Callable<Integer> {
        @picocli.CommandLine.Mixin Source source = new Source();
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public Integer call() {
            try (ModelRegistry registry = source.open()) {
                ModelInfo i = registry.info(name);
                ModelManifest m = registry.manifest(name);
                System.out.println("name:            " + i.name() + " (version " + i.version() + ")");
                System.out.println("description:     " + i.description());
                System.out.println("manifest:        " + m.manifestFile());
                System.out.println("engine:          " + registry.engineFor(name) + " (files: " + m.files() + ")");
                System.out.println("sample shape:    " + shape(i.sampleShape()) + ", values in [" + i.valueRange().min() + ", " + i.valueRange().max() + "]");
                System.out.println("time convention: " + m.time());
                System.out.println("conditioning:    " + (i.numClasses() == 0 ? "none" : i.numClasses() + " classes, null class " + i.nullClass()
                        + (i.supportsGuidance() ? " (classifier-free guidance)" : "")));
                if (!i.classNames().isEmpty()) {
                    for (int c = 0; c < i.classNames().size(); c++) System.out.printf("                 %d = %s%n", c, i.classNames().get(c));
                }
                System.out.println("default sampler: " + i.defaultSampler());
                System.out.println("batch size hint: " + i.batchSizeHint());
                System.out.println("schedules:       " + (i.schedules().isEmpty() ? "(none)" : ""));
                i.schedules().forEach((k, v) -> System.out.println("  " + k + " = " + v));
                System.out.println("learned solvers: " + (i.bespokeSolvers().isEmpty() ? "(none)"
                        : "(jobs: \"solver\": \"bespoke\" with steps, nfeBudget, or the name as schedule)"));
                i.bespokeSolvers().forEach(b -> System.out.printf("  %s: bespoke over %s, %d steps, %d NFE%n", b.name(),
                        b.base().name(), b.steps(), b.evaluations()));
                System.out.println("quality tiers:   " + (i.tiers().isEmpty() ? "(none)"
                        : "(jobs: \"tier\": NAME; the scheduler runs the costliest sampler that meets the deadline or latency target, else the cheapest)"));
                i.tiers().forEach((tier, samplers) -> System.out.println("  " + tier + ": " + samplers.stream()
                        .map(s -> s.solverName() + (s.solverName().equals(s.config().solver().id()) ? " " + s.steps() + (s.steps() == 1 ? " step" : " steps") : "")
                                + (s.config().schedule() instanceof dev.flowline.sampling.Schedule.Named n && !n.name().equals(s.solverName())
                                        ? " on " + n.name() : "")
                                + " (" + s.maxNfe() + " NFE)")
                        .collect(java.util.stream.Collectors.joining(", "))));
                if (i.flowMap()) {
                    System.out.println("flow map:        yes: average velocity u(x, t, r) with target-time input '"
                            + m.inputs().r().orElseThrow() + "'; solver \"flowmap\" jumps a whole grid step per evaluation");
                }
                m.vector().ifPresent(v -> System.out.println("vector:          " + v.dim() + " floats per job (conditioning.vector) into input '"
                        + v.input() + "'; " + (v.nullVector() != null ? "null vector " + java.util.Arrays.toString(v.nullVector())
                        + " for guidance and jobs without one" : "no null vector: every job gives one, no guidance")));
                // A latent model: the sample shape above is the latent; these stages map it to and from pixels.
                m.decoder().ifPresent(d -> System.out.println("decoder:         " + d));
                m.encoder().ifPresent(e -> System.out.println("encoder:         " + e + " (image-to-image)"));
            }
            return 0;
        }
    }

    @Command(name = "sample", mixinStandardHelpOptions = true,
            description = "Samples a model directly through the sampling library (no Kafka) and writes a grid PNG.")
    static final class Sample implements Callable<Integer> {
        @picocli.CommandLine.Mixin Source source = new Source();
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--class", description = "Class label (default: unconditional).") Integer classLabel;
        @Option(names = "--n", defaultValue = "16", description = "Samples (default: ${DEFAULT-VALUE}).") int n;
        @Option(names = "--solver", description = "Solver (default: the model's).") String solver;
        @Option(names = "--steps", description = "Steps (default: the model's).") Integer steps;
        @Option(names = "--schedule", description = "uniform, shifted or a named schedule of the model.") String schedule;
        @Option(names = "--guidance", description = "Guidance scale w (default: the model's).") Double guidance;
        @Option(names = "--seed", defaultValue = "0", description = "Seed (default: ${DEFAULT-VALUE}).") long seed;
        @Option(names = "--out", defaultValue = "grid.png", description = "Output PNG (default: ${DEFAULT-VALUE}).") Path out;

        @Override
        public Integer call() throws Exception {
            try (ModelRegistry registry = source.open()) {
                ModelInfo info = registry.info(name);
                VelocityModel model = registry.get(name);
                ModelInfo.SamplerDefaults d = info.defaultSampler();
                int label = classLabel == null ? VelocityField.NO_LABEL : classLabel;
                SamplerConfig config = SamplerConfig.builder()
                        .optSolver(solver != null ? solver : d.solver())
                        .optSteps(steps != null ? steps : d.steps())
                        .optSchedule(schedule, Map.of())
                        .optGuidanceScale(label == VelocityField.NO_LABEL ? 1.0 : guidance != null ? guidance : d.guidanceScale())
                        .build();
                Sampler sampler = Sampler.of(config, info.samplerCatalog());
                List<SampleState> states = new ArrayList<>();
                for (int i = 0; i < n; i++) states.add(sampler.newSample(info.dim(), seed, i, label));
                long t0 = System.nanoTime();
                SampleRunner.RunStats stats = SampleRunner.runToCompletion(model, info.dim(), states, Math.max(2, info.batchSizeHint() * 2));
                List<float[]> images = new ArrayList<>();
                for (SampleState s : states) images.add(s.result());
                int[] shape = info.sampleShape();
                ModelInfo.ValueRange range = info.valueRange();
                var decoder = registry.decoder(name);
                if (decoder.isPresent()) { // a latent model: the grid shows the decoded images, all decoded in one call
                    var dec = decoder.get();
                    float[] z = new float[n * dec.inputDim()];
                    for (int i = 0; i < n; i++) System.arraycopy(images.get(i), 0, z, i * dec.inputDim(), dec.inputDim());
                    float[] x = new float[n * dec.outputDim()];
                    dec.run(n, z, x);
                    images.clear();
                    for (int i = 0; i < n; i++) images.add(java.util.Arrays.copyOfRange(x, i * dec.outputDim(), (i + 1) * dec.outputDim()));
                    shape = dec.stage().outputShape();
                    range = dec.stage().valueRange();
                }
                double ms = (System.nanoTime() - t0) / 1e6;
                writeGrid(name, images, shape, range, out);
                System.out.printf("%d samples of %s (%s) in %.0f ms: %d model calls%s, %d rows, %d NFE per sample -> %s%n", n, name,
                        label == VelocityField.NO_LABEL ? "unconditional" : "class " + label
                                + (label < info.classNames().size() ? " " + info.classNames().get(label) : ""),
                        ms, stats.modelCalls(), decoder.isPresent() ? " + 1 decoder call" : "", stats.rows(), states.get(0).nfe(),
                        out.toAbsolutePath());
            }
            return 0;
        }

        private static void writeGrid(String name, List<float[]> states, int[] shape, ModelInfo.ValueRange range, Path out) throws Exception {
            OutputEncoder.ImageGeometry g = OutputEncoder.imageGeometry(shape)
                    .orElseThrow(() -> new IllegalArgumentException("model " + name + " has shape " + shape(shape) + ", not an image"));
            int cols = (int) Math.ceil(Math.sqrt(states.size())), rows = (states.size() + cols - 1) / cols, scale = 3, gap = 2;
            int cw = g.width() * scale + gap, ch = g.height() * scale + gap;
            BufferedImage grid = new BufferedImage(cols * cw + gap, rows * ch + gap, BufferedImage.TYPE_INT_RGB);
            Graphics2D g2 = grid.createGraphics();
            g2.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
            g2.setColor(java.awt.Color.WHITE);
            g2.fillRect(0, 0, grid.getWidth(), grid.getHeight());
            for (int i = 0; i < states.size(); i++) {
                BufferedImage img = OutputEncoder.image(states.get(i), g, range.min(), range.max());
                g2.drawImage(img, gap + (i % cols) * cw, gap + (i / cols) * ch, g.width() * scale, g.height() * scale, null);
            }
            g2.dispose();
            ImageIO.write(grid, "png", out.toFile());
        }
    }

    @Command(name = "optimise-schedule", aliases = "optimize-schedule", mixinStandardHelpOptions = true,
            description = "Optimises a K-step time grid for a model (Bellman-optimal step sizes against fine reference "
                    + "trajectories) and stores it as a named schedule in the model's manifest.")
    static final class OptimiseSchedule implements Callable<Integer> {
        @picocli.CommandLine.Mixin Source source = new Source();
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--steps", required = true, description = "Steps K of the grid.") int steps;
        @Option(names = "--name", description = "Schedule name (default: boss-K).") String scheduleName;
        @Option(names = "--class", description = "Optimise on this class's flow only (default: every class in turn, or the unconditional flow of an unconditional model).") Integer classLabel;
        @Option(names = "--guidance", description = "Guidance weight the grid will serve (default: the model's default sampler's).") Double guidance;
        @Option(names = "--samples", defaultValue = "64", description = "Reference trajectories (default: ${DEFAULT-VALUE}).") int samples;
        @Option(names = "--candidates", defaultValue = "64", description = "Candidate intervals of the uniform lattice the grid's points come from (default: ${DEFAULT-VALUE}).") int candidates;
        @Option(names = "--seed", defaultValue = "7", description = "Seed of their noise (default: ${DEFAULT-VALUE}).") long seed;
        @Option(names = "--step-solver", defaultValue = "euler", description = "Solver the grid is optimised for (default: ${DEFAULT-VALUE}).") String stepSolver;
        @Option(names = "--manifest", paramLabel = "FILE",
                description = "Write into this manifest instead of the model's own (e.g. the source copy of a built-in model).")
        Path manifest;
        @Option(names = "--dry-run", description = "Print the grid, write nothing.") boolean dryRun;

        @Override
        public Integer call() {
            try (ModelRegistry registry = source.open()) {
                ModelInfo info = registry.info(name);
                VelocityModel model = registry.get(name);
                int[] labels = new int[samples];
                for (int i = 0; i < samples; i++) {
                    labels[i] = classLabel != null ? classLabel : info.numClasses() > 0 ? i % info.numClasses() : VelocityField.NO_LABEL;
                }
                double w = guidance != null ? guidance : info.defaultSampler().guidanceScale();
                VelocityField field = info.supportsGuidance() && info.numClasses() > 0
                        ? new dev.flowline.sampling.GuidedField(model, info.dim(), w) : model;
                BossOptimizer.Options o = BossOptimizer.Options.DEFAULT;
                o = new BossOptimizer.Options(candidates, o.refine(), dev.flowline.sampling.Solver.parse(stepSolver), o.maxRows());
                long t0 = System.nanoTime();
                double[] grid = BossOptimizer.optimise(field, info.dim(), labels, seed, steps, o);
                String key = scheduleName != null ? scheduleName : "boss-" + steps;
                String text = Arrays.stream(grid).mapToObj(v -> String.format(Locale.ROOT, "%.5f", v)).collect(Collectors.joining(", ", "[", "]"));
                System.out.printf("%s = %s (%s steps, guidance %.2f, %.1f s)%n", key, text, stepSolver, w, (System.nanoTime() - t0) / 1e9);
                if (dryRun) return 0;
                Path file = manifest != null ? manifest : registry.manifest(name).manifestFile();
                ManifestWriter.putSchedule(file, key, grid);
                System.out.println("written to " + file + "; jobs select it with schedule \"" + key + "\"");
            }
            return 0;
        }
    }

    static String shape(int[] s) {
        return Arrays.stream(s).mapToObj(String::valueOf).collect(Collectors.joining("x"));
    }
}
