package dev.flowline.bench;

import dev.flowline.model.LatentDecoder;
import dev.flowline.model.ModelInfo;
import dev.flowline.sampling.VelocityField;

import java.util.SplittableRandom;

/** The limit: the model (or a latent model's decoder) alone, called back to back on a fixed batch, with no scheduler around it. */
final class RawThroughput {
    private static final int WARM_UP_CALLS = 3;

    private RawThroughput() {}

    /** Calls of {@code rows} rows for about {@code seconds} (at least one timed call). */
    record Result(int rows, long calls, double seconds) {
        double rowsPerSecond() {
            return rows * (double) calls / seconds;
        }

        double msPerCall() {
            return seconds * 1e3 / calls;
        }
    }

    /**
     * Inputs are drawn once: x ~ N(0, 1), t uniform, labels a class, every other row the null class where the
     * model has one (as guided evaluations send). After a few untimed warm-up calls, calls run until the time is up.
     */
    static Result measure(VelocityField model, ModelInfo info, int rows, double seconds, long seed) {
        int dim = info.dim();
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[rows * dim];
        for (int i = 0; i < x.length; i++) x[i] = (float) gaussian(random);
        float[] t = new float[rows];
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++) {
            t[r] = (float) random.nextDouble();
            boolean nullRow = info.supportsGuidance() && r % 2 == 1;
            labels[r] = info.numClasses() == 0 || nullRow ? VelocityField.NO_LABEL : random.nextInt(info.numClasses());
        }
        float[] out = new float[rows * dim];
        return time(rows, seconds, () -> model.velocity(rows, x, t, labels, out));
    }

    /** A latent model's decoder alone: calls of {@code rows} latents x ~ N(0, 1) (the flow's latent scale). */
    static Result measureDecoder(LatentDecoder decoder, int rows, double seconds, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] in = new float[rows * decoder.inputDim()];
        for (int i = 0; i < in.length; i++) in[i] = (float) gaussian(random);
        float[] out = new float[rows * decoder.outputDim()];
        return time(rows, seconds, () -> decoder.run(rows, in, out));
    }

    /** A few untimed warm-up calls, then calls until {@code seconds} are up (at least one). */
    private static Result time(int rows, double seconds, Runnable call) {
        for (int i = 0; i < WARM_UP_CALLS; i++) call.run();
        long budget = (long) (seconds * 1e9);
        long start = System.nanoTime();
        long elapsed;
        long calls = 0;
        do {
            call.run();
            calls++;
            elapsed = System.nanoTime() - start;
        } while (elapsed < budget);
        return new Result(rows, calls, elapsed / 1e9);
    }

    private static double gaussian(SplittableRandom r) {
        double u = 1.0 - r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
