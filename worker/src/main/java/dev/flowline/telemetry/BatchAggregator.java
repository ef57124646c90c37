package dev.flowline.telemetry;

import dev.flowline.batching.BatchRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Sums per-model-call records over an interval, per compatibility group. Pure; not thread-safe (the telemetry
 * verticle's context owns it).
 */
public final class BatchAggregator {

    /** One group's calls in an interval. */
    public record GroupStats(String groupKey, int modelCalls, long rows, int maxRows, double modelMs, double waitMs) {}

    /** One interval: its bounds, the queue as the last call saw it, and the groups' sums (sorted by key). */
    public record Interval(long startMillis, long endMillis, int queuedJobs, int activeSamples, long dedupedRows,
                           List<GroupStats> groups) {
        public int modelCalls() {
            return groups.stream().mapToInt(GroupStats::modelCalls).sum();
        }
    }

    private static final class Acc {
        int calls;
        long rows;
        int maxRows;
        long modelNanos;
        long waitNanos;
    }

    private final Map<String, Acc> groups = new TreeMap<>();
    private long start;
    private int queuedJobs;
    private int activeSamples;
    /** Rows saved by deduplication in the interval. */
    private long dedupedRows;

    public BatchAggregator(long startMillis) {
        this.start = startMillis;
    }

    public void add(BatchRecord r) {
        Acc a = groups.computeIfAbsent(r.groupKey(), k -> new Acc());
        a.calls++;
        a.rows += r.rows();
        a.maxRows = Math.max(a.maxRows, r.rows());
        a.modelNanos += r.modelNanos();
        a.waitNanos += r.waitNanos();
        queuedJobs = r.queuedJobs();
        activeSamples = r.activeSamples();
        dedupedRows += r.dedupedRows();
    }

    /** Closes the interval at {@code nowMillis} and starts the next; empty when no model call happened in it. */
    public Optional<Interval> flush(long nowMillis) {
        long from = start;
        start = nowMillis;
        if (groups.isEmpty()) return Optional.empty();
        List<GroupStats> out = new ArrayList<>(groups.size());
        groups.forEach((k, a) -> out.add(new GroupStats(k, a.calls, a.rows, a.maxRows, a.modelNanos / 1e6, a.waitNanos / 1e6)));
        groups.clear();
        long deduped = dedupedRows;
        dedupedRows = 0;
        return Optional.of(new Interval(from, nowMillis, queuedJobs, activeSamples, deduped, List.copyOf(out)));
    }
}
