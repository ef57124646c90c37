package dev.flowline.batching;

import java.util.HashMap;
import java.util.Map;

/**
 * What a velocity call ({@link BatchExecutor}) and a decode call ({@link DecodeExecutor}) share: run one
 * {@link BatchPlan} on the device thread by staging every member's rows into the group's reused buffers (one
 * contiguous copy in), one engine call, then checking and handing out each member's output rows (one copy out), with
 * the failures mapped the same way: a member whose rows cannot be written fails alone ({@value BatchResult#SAMPLER_ERROR},
 * its rows blanked so that the call still runs for the others); a failed call fails its members only (the kind's
 * error code); a member with a non-finite output row fails alone ({@value BatchResult#NON_FINITE_OUTPUT}). Holds no
 * scheduling state and no lock; whatever happens, it returns a result that says how every member fared. The engine
 * call itself (its per-call NDManager, opened and closed inside the call) belongs to the model classes.
 *
 * @param <B> the buffers of one group, kept per group key and confined to the device thread
 */
abstract class RowCallExecutor<B> {
    private final SchedulerClock clock;
    private final String callErrorCode;
    /** Per compatibility group; confined to the device thread. */
    private final Map<String, B> buffers = new HashMap<>();

    RowCallExecutor(SchedulerClock clock, String callErrorCode) {
        this.clock = clock;
        this.callErrorCode = callErrorCode;
    }

    final BatchResult execute(BatchPlan plan, long waitNanos) {
        B buf = buffers.get(plan.groupKey);
        if (buf == null || !fits(buf, plan)) {
            buf = newBuffers(plan);
            buffers.put(plan.groupKey, buf);
        }
        SampleSlot[] members = plan.members;
        long start = clock.nanoTime();
        BatchResult result = new BatchResult(members.length, start, waitNanos);
        for (int i = 0; i < members.length; i++) {
            try {
                write(plan, buf, i, plan.rowOffsets[i]);
            } catch (RuntimeException e) {
                result.failMember(i, BatchResult.SAMPLER_ERROR, writeFailed(plan, i, e));
                blank(buf, plan.rowOffsets[i], plan.rowsOf(i));
            }
        }
        long called = clock.nanoTime();
        try {
            call(plan, buf);
        } catch (Throwable e) { // a failed call fails its own members only; the loop carries on
            result.failBatch(callErrorCode, callFailed(plan, e));
            result.modelNanos = clock.nanoTime() - called;
            result.copyNanos = called - start;
            return result;
        }
        long returned = clock.nanoTime();
        for (int i = 0; i < members.length; i++) {
            if (result.memberFailed(i)) continue;
            int row = plan.rowOffsets[i];
            if (!outputFinite(buf, row, plan.rowsOf(i))) {
                result.failMember(i, BatchResult.NON_FINITE_OUTPUT, nonFinite(plan, i));
                continue;
            }
            try {
                read(plan, buf, result, i, row);
            } catch (RuntimeException e) {
                result.failMember(i, BatchResult.SAMPLER_ERROR, readFailed(plan, i, e));
            }
        }
        long end = clock.nanoTime();
        result.modelNanos = returned - called;
        result.copyNanos = (called - start) + (end - returned);
        return result;
    }

    /** New buffers for the plan's group, large enough for the plan. */
    abstract B newBuffers(BatchPlan plan);

    /** Whether a group's buffers hold the plan's rows (else new ones replace them). */
    boolean fits(B buf, BatchPlan plan) {
        return true;
    }

    /** Stages member {@code member}'s rows from row {@code row}; throws when its sample state cannot. */
    abstract void write(BatchPlan plan, B buf, int member, int row);

    abstract String writeFailed(BatchPlan plan, int member, RuntimeException e);

    /** Gives the rows of a member that failed to write defined values, so that the rest of the call still runs. */
    abstract void blank(B buf, int row, int rows);

    /** The one engine call over {@code plan.rows} rows; throws on any engine failure. */
    abstract void call(BatchPlan plan, B buf);

    abstract String callFailed(BatchPlan plan, Throwable e);

    /** Whether every output value of rows [row, row + rows) is finite. */
    abstract boolean outputFinite(B buf, int row, int rows);

    abstract String nonFinite(BatchPlan plan, int member);

    /** Hands member {@code member} its output rows from row {@code row}; throws when its sample state cannot take them. */
    abstract void read(BatchPlan plan, B buf, BatchResult result, int member, int row);

    abstract String readFailed(BatchPlan plan, int member, RuntimeException e);
}
