package dev.flowline.batching;

import java.util.HashMap;
import java.util.Map;

/**
 * Runs one {@link BatchPlan} on the device thread: stacks the members' rows into the group's reused buffers,
 * calls the model once, checks the output and hands each member its velocities. Holds no scheduling state and no
 * lock; whatever happens, it returns a result that says how every member fared.
 */
final class BatchExecutor {
    private final int maxBatchRows;
    private final SchedulerClock clock;
    /** Per compatibility group; confined to the device thread. */
    private final Map<String, BatchBuffers> buffers = new HashMap<>();

    BatchExecutor(int maxBatchRows, SchedulerClock clock) {
        this.maxBatchRows = maxBatchRows;
        this.clock = clock;
    }

    BatchResult execute(BatchPlan plan, long waitNanos) {
        BatchBuffers buf = buffers.computeIfAbsent(plan.groupKey, k -> new BatchBuffers(maxBatchRows, plan.model.dim(),
                plan.model.vectorConditioning().map(dev.flowline.model.VectorConditioning::dim).orElse(0)));
        SampleSlot[] members = plan.members;
        long start = clock.nanoTime();
        BatchResult result = new BatchResult(members.length, start, waitNanos);
        for (int i = 0; i < members.length; i++) {
            try {
                members[i].state.writeRows(buf.x, buf.t, buf.labels, plan.rowOffsets[i]);
                members[i].state.writeTargetTimes(buf.r, plan.rowOffsets[i]);
                if (buf.vectorDim > 0) members[i].state.writeVectors(buf.vectors, buf.vectorDim, plan.rowOffsets[i]);
            } catch (RuntimeException e) {
                result.failMember(i, BatchResult.SAMPLER_ERROR, "sample state of model '" + plan.model.info().name()
                        + "' failed to write its rows: " + e);
                buf.blankRows(plan.rowOffsets[i], plan.rowsOf(i));
            }
        }
        long called = clock.nanoTime();
        try {
            if (buf.vectorDim > 0) plan.model.velocity(plan.rows, buf.x, buf.t, buf.r, buf.labels, buf.vectors, buf.out);
            else plan.model.velocity(plan.rows, buf.x, buf.t, buf.r, buf.labels, buf.out);
        } catch (Throwable e) { // a failed call fails its batch only; the loop carries on
            result.failBatch(BatchResult.MODEL_ERROR, "model '" + plan.model.info().name() + "' failed on a batch of "
                    + plan.rows + " rows: " + e);
            result.modelNanos = clock.nanoTime() - called;
            result.copyNanos = called - start;
            return result;
        }
        long returned = clock.nanoTime();
        for (int i = 0; i < members.length; i++) {
            if (result.memberFailed(i)) continue;
            int row = plan.rowOffsets[i];
            if (!buf.outputFinite(row, plan.rowsOf(i))) {
                result.failMember(i, BatchResult.NON_FINITE_OUTPUT, "model '" + plan.model.info().name()
                        + "' returned NaN or infinite velocities for sample " + members[i].index);
                continue;
            }
            try {
                members[i].state.acceptRows(buf.out, row);
            } catch (RuntimeException e) {
                result.failMember(i, BatchResult.SAMPLER_ERROR, "sample state of model '" + plan.model.info().name()
                        + "' failed to take its velocities: " + e);
            }
        }
        long end = clock.nanoTime();
        result.modelNanos = returned - called;
        result.copyNanos = (called - start) + (end - returned);
        return result;
    }
}
