package dev.flowline.sampling;

import java.util.List;

/**
 * Runs sample states to completion against a velocity field with no scheduler: every tick, the rows of every
 * unfinished sample go into one model call (up to {@code maxRows}). The reference that the batching scheduler's
 * results are compared against, and the engine of offline tools such as {@link BossOptimizer}.
 */
public final class SampleRunner {

    /** What a run cost. */
    public record RunStats(int modelCalls, long rows) {
    }

    private SampleRunner() {
    }

    /** Runs all states in one call per tick. */
    public static RunStats runToCompletion(VelocityField field, int dim, List<? extends SampleState> states) {
        return runToCompletion(field, dim, states, Integer.MAX_VALUE);
    }

    /**
     * Runs all states, at most {@code maxRows} rows per call; samples that do not fit wait for the next call, and the
     * next call starts with them so that none waits twice in a row.
     *
     * @param dim     floats per sample, the same for every state
     * @param maxRows rows per call, ≥ 2 (a guided evaluation needs two)
     */
    public static RunStats runToCompletion(VelocityField field, int dim, List<? extends SampleState> states, int maxRows) {
        if (maxRows < 2) throw new IllegalArgumentException("maxRows must be >= 2, got " + maxRows);
        int n = states.size();
        int capacity = (int) Math.min(maxRows, 2L * Math.max(n, 1));
        float[] x = new float[Math.multiplyExact(capacity, dim)];
        float[] t = new float[capacity];
        float[] target = new float[capacity];
        int[] labels = new int[capacity];
        float[] v = new float[x.length];
        SampleState[] batch = new SampleState[capacity];
        int[] offsets = new int[capacity];
        int calls = 0;
        long totalRows = 0;
        int start = 0;
        while (true) {
            int rows = 0;
            int members = 0;
            int next = start;
            for (int k = 0; k < n; k++) {
                int i = (start + k) % n;
                SampleState s = states.get(i);
                int r = s.rowsNeeded();
                if (r == 0) continue;
                if (rows + r > capacity) {
                    next = i;
                    break;
                }
                s.writeRows(x, t, labels, rows);
                s.writeTargetTimes(target, rows);
                batch[members] = s;
                offsets[members++] = rows;
                rows += r;
            }
            if (members == 0) return new RunStats(calls, totalRows);
            field.velocity(rows, x, t, target, labels, v);
            calls++;
            totalRows += rows;
            for (int m = 0; m < members; m++) batch[m].acceptRows(v, offsets[m]);
            start = next;
        }
    }
}
