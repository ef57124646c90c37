package dev.flowline.batching;

/**
 * Picks a candidate from a job's {@link StepChoice} at admission (a step count of a range, a sampler of a quality
 * tier): the most expensive whose expected finish fits the budget (the job's deadline, or the configured latency
 * target), with some headroom, else the cheapest. The expected finish, read off the
 * scheduler's learned call cost, is the admitted work ahead (its rows at the learned cost per row) plus the job's own
 * chain of evaluations, each one call: of its own rows alone on an idle device, of the learned size when other work
 * fills the calls (on a CPU a call of 8 rows takes 5 times one of 1, and a 128-evaluation job rides 128 of them).
 * Pure: tested alone.
 */
final class AdaptiveSteps {
    private AdaptiveSteps() {}

    /** Share of the budget the estimate may use: the choice lands just under it, and estimates are estimates. */
    static final double HEADROOM = 0.9;

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
     * @param learnedRows        the call size the scheduler uses
     * @return the index of the chosen candidate
     */
    static int choose(StepChoice c, long budgetNanos, int rowsPerEvaluation, long backlogRows, int learnedRows, Cost cost) {
        double aim = HEADROOM * budgetNanos;
        for (int i = c.size() - 1; i > 0; i--) {
            long finish = finishNanos(c.candidate().apply(i).evaluations(), rowsPerEvaluation, backlogRows, learnedRows, cost);
            if (finish <= aim) return i;
        }
        return 0;
    }

    static long finishNanos(long evaluations, int rowsPerEvaluation, long backlogRows, int learnedRows, Cost cost) {
        int callRows = (int) Math.max(rowsPerEvaluation, Math.min(learnedRows, rowsPerEvaluation + backlogRows));
        double ahead = backlogRows * cost.nanosPerRow();
        return (long) Math.min(Long.MAX_VALUE / 2.0, ahead + (double) evaluations * cost.callNanos(callRows));
    }
}
