package dev.flowline.batching;

import dev.flowline.model.ModelInfo;
import dev.flowline.model.VelocityModel;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * A discrete-event run of the real scheduler (its {@link SchedulerCore} inside the device loop, turn by turn, no
 * thread) on a virtual clock: each model call really runs (so samples really integrate) and then moves the clock
 * by what the {@link CostModel} says a call of that many rows costs. Arrivals are submitted at virtual times.
 * Exact and repeatable: the same jobs, options and cost model give the same outcomes at the same times, whatever
 * the machine is doing, so policies can be compared without noise. Not thread-safe; one caller drives it.
 *
 * <p>The listener is called synchronously, at virtual time {@link #nanoTime()}; it may submit more jobs.
 */
public final class SimulatedDevice implements AutoCloseable {
    private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

    /** What a model call costs on the simulated device. */
    @FunctionalInterface
    public interface CostModel {
        long callNanos(int rows);

        /** A fixed cost per call plus a cost per row (the analytic model's busy-spin; an accelerator's shape). */
        static CostModel linear(long perCallNanos, long perRowNanos) {
            if (perCallNanos < 0 || perRowNanos < 0) throw new IllegalArgumentException("costs must be >= 0");
            return rows -> perCallNanos + perRowNanos * rows;
        }

        /**
         * Through measured points (rows → milliseconds per call), linear between them; below the first point as
         * the first, beyond the last along the last two (at least as costly as the last).
         */
        static CostModel curve(Map<Integer, Double> msPerCall) {
            TreeMap<Integer, Double> points = new TreeMap<>(msPerCall);
            if (points.isEmpty()) throw new IllegalArgumentException("a cost curve needs at least one point");
            points.forEach((r, ms) -> {
                if (r < 1 || !(ms > 0)) throw new IllegalArgumentException("cost point " + r + " rows: " + ms + " ms");
            });
            return rows -> {
                Map.Entry<Integer, Double> lo = points.floorEntry(rows), hi = points.ceilingEntry(rows);
                double ms;
                if (lo == null) ms = hi.getValue();
                else if (hi == null) {
                    Map.Entry<Integer, Double> prev = points.lowerEntry(lo.getKey());
                    double slope = prev == null ? lo.getValue() / lo.getKey()
                            : (lo.getValue() - prev.getValue()) / (lo.getKey() - prev.getKey());
                    ms = lo.getValue() + Math.max(0, slope) * (rows - lo.getKey());
                } else if (lo.getKey().equals(hi.getKey())) ms = lo.getValue();
                else ms = lo.getValue() + (hi.getValue() - lo.getValue()) * (rows - lo.getKey()) / (hi.getKey() - lo.getKey());
                return Math.round(ms * 1e6);
            };
        }
    }

    private record Arrival(long atNanos, long seq, Job job) {
    }

    private final VirtualClock clock = new VirtualClock();
    private final DeviceScheduler scheduler;
    private final PriorityQueue<Arrival> arrivals = new PriorityQueue<>((a, b) -> a.atNanos != b.atNanos
            ? Long.compare(a.atNanos, b.atNanos) : Long.compare(a.seq, b.seq));
    /** Arrived jobs the scheduler refused as FULL, retried in order before any later arrival. */
    private final ArrayDeque<Job> backlog = new ArrayDeque<>();
    private long nextSeq;
    private long calls;
    private long rows;
    private long busyNanos;

    public SimulatedDevice(SchedulerOptions options, ModelProvider models, CostModel cost, SchedulerListener listener) {
        Objects.requireNonNull(models, "models");
        Objects.requireNonNull(cost, "cost");
        Map<String, VelocityModel> costed = new HashMap<>();
        ModelProvider provider = name -> models.find(name).map(m -> costed.computeIfAbsent(name, n -> new Costed(m, cost)));
        this.scheduler = new DeviceScheduler(options, provider, listener, clock);
    }

    /** Virtual time, in nanoseconds from the start of the run (0). */
    public long nanoTime() {
        return clock.nanos;
    }

    /** The wall-clock instant the scheduler sees at virtual time {@code nanos} (for job deadlines). */
    public Instant instantAt(long nanos) {
        return EPOCH.plusNanos(nanos);
    }

    /** Offers {@code job} at virtual time {@code atNanos} (now if earlier); a FULL scheduler makes it wait its turn. */
    public void submitAt(long atNanos, Job job) {
        arrivals.add(new Arrival(Math.max(atNanos, clock.nanos), nextSeq++, Objects.requireNonNull(job, "job")));
    }

    /**
     * Runs until nothing is left to do, or the clock passes {@code untilNanos} (jobs then still in flight are left
     * unfinished). Returns the virtual time reached.
     */
    public long run(long untilNanos) {
        while (clock.nanos <= untilNanos) {
            admitDue();
            long r = scheduler.tickOnce();
            if (r == DeviceScheduler.RAN) continue;
            long next = arrivals.isEmpty() ? r : Math.min(r, arrivals.peek().atNanos);
            if (next == Long.MAX_VALUE) {
                if (!backlog.isEmpty()) throw new IllegalStateException("jobs wait for capacity on an idle scheduler");
                break;
            }
            clock.nanos = Math.max(next, clock.nanos + 1);
        }
        return clock.nanos;
    }

    public long modelCalls() {
        return calls;
    }

    public long rows() {
        return rows;
    }

    /** Virtual time the device spent in model calls. */
    public long busyNanos() {
        return busyNanos;
    }

    public int jobsInFlight() {
        return scheduler.jobsInFlight();
    }

    public Map<String, List<CallCost>> costCurves() {
        return scheduler.costCurves();
    }

    public List<LearnedCost> learnedCosts() {
        return scheduler.learnedCosts();
    }

    @Override
    public void close() {
        scheduler.close();
    }

    private void admitDue() {
        while (!backlog.isEmpty()) {
            if (!offer(backlog.peekFirst())) return;
            backlog.pollFirst();
        }
        while (!arrivals.isEmpty() && arrivals.peek().atNanos <= clock.nanos) {
            Job job = arrivals.poll().job;
            if (!backlog.isEmpty() || !offer(job)) backlog.addLast(job);
        }
    }

    /** True when accepted, false when FULL; any other answer is a mistake of the caller. */
    private boolean offer(Job job) {
        Admission a = scheduler.offer(job);
        if (a == Admission.REJECTED_FULL) return false;
        if (a != Admission.ACCEPTED) throw new IllegalStateException("the scheduler refused job " + job.jobId() + ": " + a);
        return true;
    }

    /** Runs the real model, then moves the virtual clock by the call's cost. */
    private final class Costed implements VelocityModel {
        private final VelocityModel model;
        private final CostModel cost;

        Costed(VelocityModel model, CostModel cost) {
            this.model = model;
            this.cost = cost;
        }

        @Override
        public ModelInfo info() {
            return model.info();
        }

        @Override
        public void velocity(int n, float[] x, float[] t, int[] labels, float[] out) {
            model.velocity(n, x, t, labels, out);
            long c = cost.callNanos(n);
            clock.nanos += c;
            busyNanos += c;
            calls++;
            rows += n;
        }

        @Override
        public void close() {}
    }

    private static final class VirtualClock implements SchedulerClock {
        long nanos;

        @Override
        public long nanoTime() {
            return nanos;
        }

        @Override
        public Instant now() {
            return EPOCH.plusNanos(nanos);
        }
    }
}
