package dev.flowline.batching;

import dev.flowline.model.LatentDecoder;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs one decode {@link BatchPlan} on the device thread: stacks the members' finished latents (one row each) into
 * the group's reused input buffer, calls the decoder once, checks the output and hands each member its decoded
 * sample in the result. Holds no scheduling state and no lock. A decoder failure fails the call's members only
 * ({@value BatchResult#DECODE_ERROR}); a non-finite decoded row fails its member ({@value BatchResult#NON_FINITE_OUTPUT}).
 */
final class DecodeExecutor {
    /** Suffix of a decode group's key after its velocity group's key. */
    static final String KEY_SUFFIX = "/decode";

    private final SchedulerClock clock;
    /** Input and output buffers per decode group; confined to the device thread. */
    private final Map<String, float[][]> buffers = new HashMap<>();

    DecodeExecutor(SchedulerClock clock) {
        this.clock = clock;
    }

    /** The decode group's key for a velocity group's. */
    static String key(String velocityGroupKey) {
        return velocityGroupKey + KEY_SUFFIX;
    }

    BatchResult execute(BatchPlan plan, long waitNanos) {
        LatentDecoder decoder = plan.decoder;
        SampleSlot[] members = plan.members;
        String model = plan.model.info().name();
        long start = clock.nanoTime();
        BatchResult result = new BatchResult(members.length, start, waitNanos);
        result.decoded = new float[members.length][];
        int inDim = decoder.inputDim();
        int outDim = decoder.outputDim();
        float[][] buf = buffers(plan.groupKey, plan.rows, inDim, outDim);
        float[] in = buf[0];
        float[] out = buf[1];
        for (int i = 0; i < members.length; i++) {
            int row = plan.rowOffsets[i];
            try {
                float[] z = members[i].state.result();
                if (z.length != inDim) throw new IllegalStateException("latent has " + z.length + " values, the decoder takes " + inDim);
                System.arraycopy(z, 0, in, row * inDim, inDim);
            } catch (RuntimeException e) {
                result.failMember(i, BatchResult.SAMPLER_ERROR, "sample " + members[i].index + " of model '" + model
                        + "': reading its latent failed: " + e);
                Arrays.fill(in, row * inDim, (row + 1) * inDim, 0f); // the others still decode; this row is ignored
            }
        }
        long called = clock.nanoTime();
        try {
            decoder.run(plan.rows, in, out);
        } catch (Throwable e) { // a failed call fails its own jobs only; the loop carries on
            result.failBatch(BatchResult.DECODE_ERROR, "decoder of model '" + model + "' failed on a batch of "
                    + plan.rows + " latents: " + e);
            result.modelNanos = clock.nanoTime() - called;
            result.copyNanos = called - start;
            return result;
        }
        long returned = clock.nanoTime();
        for (int i = 0; i < members.length; i++) {
            if (result.memberFailed(i)) continue;
            int from = plan.rowOffsets[i] * outDim;
            if (!finite(out, from, from + outDim)) {
                result.failMember(i, BatchResult.NON_FINITE_OUTPUT, "decoder of model '" + model
                        + "' returned NaN or infinite values for sample " + members[i].index);
                continue;
            }
            result.decoded[i] = Arrays.copyOfRange(out, from, from + outDim);
        }
        long end = clock.nanoTime();
        result.modelNanos = returned - called;
        result.copyNanos = (called - start) + (end - returned);
        return result;
    }

    /** The group's buffers, grown (never shrunk) to hold {@code rows} rows. */
    private float[][] buffers(String key, int rows, int inDim, int outDim) {
        float[][] b = buffers.get(key);
        if (b == null || b[0].length < rows * inDim || b[1].length < rows * outDim) {
            b = new float[][]{new float[rows * inDim], new float[rows * outDim]};
            buffers.put(key, b);
        }
        return b;
    }

    private static boolean finite(float[] a, int from, int to) {
        for (int i = from; i < to; i++) if (!Float.isFinite(a[i])) return false;
        return true;
    }
}
