package dev.flowline.batching;

import dev.flowline.model.LatentDecoder;

import java.util.Arrays;

/**
 * Runs one decode {@link BatchPlan} on the device thread: stacks the members' finished latents (one row each; for a
 * preview's row, {@link SampleSlot#previewOnly}, the preview's estimate of the final latent) into
 * the group's reused input buffer, calls the decoder once, checks the output and hands each member its decoded
 * sample in the result (the shared steps are {@link RowCallExecutor}'s). A decoder failure fails the call's members
 * only ({@value BatchResult#DECODE_ERROR}); a non-finite decoded row fails its member ({@value BatchResult#NON_FINITE_OUTPUT}).
 */
final class DecodeExecutor extends RowCallExecutor<DecodeExecutor.Buffers> {
    /** Suffix of a decode group's key after its velocity group's key. */
    static final String KEY_SUFFIX = "/decode";

    /** A decode group's input (latents) and output (decoded rows), grown, never shrunk, to a call's rows. */
    record Buffers(int inDim, int outDim, float[] in, float[] out) {
    }

    DecodeExecutor(SchedulerClock clock) {
        super(clock, BatchResult.DECODE_ERROR);
    }

    /** The decode group's key for a velocity group's. */
    static String key(String velocityGroupKey) {
        return velocityGroupKey + KEY_SUFFIX;
    }

    @Override
    Buffers newBuffers(BatchPlan plan) {
        LatentDecoder d = plan.decoder;
        return new Buffers(d.inputDim(), d.outputDim(), new float[plan.rows * d.inputDim()], new float[plan.rows * d.outputDim()]);
    }

    @Override
    boolean fits(Buffers buf, BatchPlan plan) {
        return buf.inDim == plan.decoder.inputDim() && buf.outDim == plan.decoder.outputDim()
                && buf.in.length >= plan.rows * buf.inDim && buf.out.length >= plan.rows * buf.outDim;
    }

    @Override
    void write(BatchPlan plan, Buffers buf, int member, int row) {
        SampleSlot m = plan.members[member];
        float[] z = m.previewOnly ? m.preview.estimate() : m.state.result();
        if (z.length != buf.inDim) throw new IllegalStateException("latent has " + z.length + " values, the decoder takes " + buf.inDim);
        System.arraycopy(z, 0, buf.in, row * buf.inDim, buf.inDim);
    }

    @Override
    String writeFailed(BatchPlan plan, int member, RuntimeException e) {
        return "sample " + plan.members[member].index + " of model '" + plan.model.info().name() + "': reading its "
                + (plan.members[member].previewOnly ? "preview estimate" : "latent") + " failed: " + e;
    }

    @Override
    void blank(Buffers buf, int row, int rows) { // the others still decode; these rows are ignored
        Arrays.fill(buf.in, row * buf.inDim, (row + rows) * buf.inDim, 0f);
    }

    @Override
    void call(BatchPlan plan, Buffers buf) {
        plan.decoder.run(plan.rows, buf.in, buf.out);
    }

    @Override
    String callFailed(BatchPlan plan, Throwable e) {
        return "decoder of model '" + plan.model.info().name() + "' failed on a batch of " + plan.rows + " latents: " + e;
    }

    @Override
    boolean outputFinite(Buffers buf, int row, int rows) {
        for (int i = row * buf.outDim, end = (row + rows) * buf.outDim; i < end; i++) if (!Float.isFinite(buf.out[i])) return false;
        return true;
    }

    @Override
    String nonFinite(BatchPlan plan, int member) {
        return "decoder of model '" + plan.model.info().name() + "' returned NaN or infinite values for sample " + plan.members[member].index;
    }

    @Override
    void read(BatchPlan plan, Buffers buf, BatchResult result, int member, int row) {
        if (result.decoded == null) result.decoded = new float[plan.members.length][];
        result.decoded[member] = Arrays.copyOfRange(buf.out, row * buf.outDim, (row + plan.rowsOf(member)) * buf.outDim);
    }

    @Override
    String readFailed(BatchPlan plan, int member, RuntimeException e) {
        return "sample " + plan.members[member].index + " of model '" + plan.model.info().name() + "': taking its decoded rows failed: " + e;
    }
}
