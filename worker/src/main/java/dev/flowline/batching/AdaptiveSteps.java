package dev.flowline.batching;

/**
 * Picks a step count from a job's {@link StepChoice} at admission: the largest whose expected finish fits the budget
 * (the job's deadline, or the configured latency target). The expected finish is the larger of two costs read off the
 * scheduler's learned call cost: the job alone (its evaluations, one call of its own rows each; what an accelerator
 * charges, where rows ride along nearly free) and its share of the device (the rows already admitted plus its own, at
 * the learned cost per row; what a CPU charges, where rows cost the same batched or not). Pure: tested alone.
 */
final class AdaptiveSteps {
    private AdaptiveSteps() {}

    /** What the scheduler has learned of its device's calls, for one model. */
    interface Cost {
        /** Estimated time of a call of {@code rows} rows. */
        long callNanos(int rows);

        /** Estimated device time per row at the call size the scheduler uses. */
        double nanosPerRow();
    }

    /**
     * @param budgetNanos        time from now within which the job should finish
     * @param rowsPerEvaluation  rows one evaluation of all the job's samples takes
     * @param backlogRows        rows of the evaluations already admitted (queued and running jobs)
     */
    static int choose(StepChoice c, long budgetNanos, int rowsPerEvaluation, long backlogRows, Cost cost) {
        for (int steps = c.max(); steps > c.min(); steps--) {
            if (finishNanos(c.evaluationsFor().applyAsInt(steps), rowsPerEvaluation, backlogRows, cost) <= budgetNanos) return steps;
        }
        return c.min();
    }

    static long finishNanos(long evaluations, int rowsPerEvaluation, long backlogRows, Cost cost) {
        long alone = evaluations * cost.callNanos(rowsPerEvaluation);
        double shared = (backlogRows + evaluations * rowsPerEvaluation) * cost.nanosPerRow();
        return Math.max(alone, (long) Math.min(Long.MAX_VALUE / 2.0, shared));
    }
}
