package dev.flowline.batching;

import dev.flowline.model.VectorConditioning;

/**
 * Runs one velocity {@link BatchPlan} on the device thread: stacks the members' rows into the group's reused
 * {@link BatchBuffers}, calls the model once, checks the output and hands each member its velocities (the shared
 * steps and failure mapping are {@link RowCallExecutor}'s).
 */
final class BatchExecutor extends RowCallExecutor<BatchBuffers> {
    private final int maxBatchRows;

    BatchExecutor(int maxBatchRows, SchedulerClock clock) {
        super(clock, BatchResult.MODEL_ERROR);
        this.maxBatchRows = maxBatchRows;
    }

    @Override
    BatchBuffers newBuffers(BatchPlan plan) {
        return new BatchBuffers(maxBatchRows, plan.model.dim(),
                plan.model.vectorConditioning().map(VectorConditioning::dim).orElse(0));
    }

    @Override
    void write(BatchPlan plan, BatchBuffers buf, int member, int row) {
        SampleSlot s = plan.members[member];
        s.state.writeRows(buf.x, buf.t, buf.labels, row);
        s.state.writeTargetTimes(buf.r, row);
        if (buf.vectorDim > 0) s.state.writeVectors(buf.vectors, buf.vectorDim, row);
    }

    @Override
    String writeFailed(BatchPlan plan, int member, RuntimeException e) {
        return "sample state of model '" + plan.model.info().name() + "' failed to write its rows: " + e;
    }

    @Override
    void blank(BatchBuffers buf, int row, int rows) {
        buf.blankRows(row, rows);
    }

    @Override
    void call(BatchPlan plan, BatchBuffers buf) {
        if (buf.vectorDim > 0) plan.model.velocity(plan.rows, buf.x, buf.t, buf.r, buf.labels, buf.vectors, buf.out);
        else plan.model.velocity(plan.rows, buf.x, buf.t, buf.r, buf.labels, buf.out);
    }

    @Override
    String callFailed(BatchPlan plan, Throwable e) {
        return "model '" + plan.model.info().name() + "' failed on a batch of " + plan.rows + " rows: " + e;
    }

    @Override
    boolean outputFinite(BatchBuffers buf, int row, int rows) {
        return buf.outputFinite(row, rows);
    }

    @Override
    String nonFinite(BatchPlan plan, int member) {
        return "model '" + plan.model.info().name() + "' returned NaN or infinite velocities for sample " + plan.members[member].index;
    }

    @Override
    void read(BatchPlan plan, BatchBuffers buf, BatchResult result, int member, int row) {
        plan.members[member].state.acceptRows(buf.out, row);
    }

    @Override
    String readFailed(BatchPlan plan, int member, RuntimeException e) {
        return "sample state of model '" + plan.model.info().name() + "' failed to take its velocities: " + e;
    }
}
