package dev.flowline.batching;

import dev.flowline.model.LatentDecoder;
import dev.flowline.model.VelocityModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * The device thread around {@link SchedulerCore}: each turn it takes a decision from the core under the lock, runs
 * the chosen model call without the lock, books the result under the lock, and delivers the resulting events to the
 * listener with no lock held. Callers' threads only touch the core under the lock, briefly, and wake the loop.
 *
 * <p>Every planned call is booked in a {@code finally}, so no job can be left hanging whatever the call throws.
 */
final class DeviceScheduler implements Scheduler {
    private static final Logger log = LoggerFactory.getLogger(DeviceScheduler.class);
    private static final AtomicInteger THREAD_IDS = new AtomicInteger();
    /** {@link #tickOnce()}'s answer when it ran a model call (decide again at once). */
    static final long RAN = Long.MIN_VALUE;

    private final ModelProvider models;
    private final SchedulerListener listener;
    private final SchedulerClock clock;
    private final BatchExecutor executor;
    private final DecodeExecutor decodes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    /** Guarded by lock. */
    private final SchedulerCore core;
    /** Guarded by lock: something happened that may change the next decision since the loop last took one. */
    private boolean pending;
    /** Guarded by lock. */
    private CompletableFuture<List<Job>> drainFuture;
    private long drainDeadlineNanos;
    private volatile boolean closed;
    /** Device thread only: when the current maxDelay window began, -1 outside one. */
    private long waitStartNanos = -1;
    private Thread thread;

    DeviceScheduler(SchedulerOptions options, ModelProvider models, SchedulerListener listener, SchedulerClock clock) {
        this.models = Objects.requireNonNull(models, "models");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.core = new SchedulerCore(Objects.requireNonNull(options, "options"));
        this.executor = new BatchExecutor(options.maxBatchRows(), clock);
        this.decodes = new DecodeExecutor(clock);
    }

    static Scheduler start(SchedulerOptions options, ModelProvider models, SchedulerListener listener) {
        return start(options, models, listener, SchedulerClock.system());
    }

    static Scheduler start(SchedulerOptions options, ModelProvider models, SchedulerListener listener,
                           SchedulerClock clock) {
        DeviceScheduler s = new DeviceScheduler(options, models, listener, clock);
        s.thread = new Thread(s::loop, "flowline-device-" + THREAD_IDS.incrementAndGet());
        s.thread.setDaemon(true);
        s.thread.start();
        return s;
    }

    @Override
    public Admission offer(Job job) {
        Objects.requireNonNull(job, "job");
        VelocityModel model;
        LatentDecoder decoder = null;
        try {
            model = models.find(job.model()).orElse(null);
            if (model != null) decoder = models.decoder(job.model()).orElse(null);
        } catch (RuntimeException e) { // a model (or its decoder) that cannot load serves no job
            log.warn("model provider failed to look up '{}' for job {}", job.model(), job.jobId(), e);
            model = null;
        }
        lock.lock();
        try {
            if (closed) return Admission.REJECTED_SHUTDOWN;
            Admission a = core.offer(job, model, decoder, clock.nanoTime(), clock.now());
            if (a == Admission.ACCEPTED) poke();
            return a;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean cancel(String jobId) {
        lock.lock();
        try {
            boolean known = core.cancel(jobId);
            if (known) poke();
            return known;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<Job> abandon(Predicate<Job> which) {
        lock.lock();
        try {
            List<Job> removed = core.abandon(which);
            if (!removed.isEmpty()) poke();
            return removed;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int jobsInFlight() {
        lock.lock();
        try {
            return core.jobsInFlight();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean hasRoom() {
        lock.lock();
        try {
            return !closed && core.hasRoom();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public SchedulerSnapshot snapshot() {
        lock.lock();
        try {
            return core.snapshot();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<LearnedCost> learnedCosts() {
        lock.lock();
        try {
            return core.learnedCosts();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public java.util.Map<String, List<CallCost>> costCurves() {
        lock.lock();
        try {
            return core.costCurves();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletableFuture<List<Job>> drain(Duration timeout) {
        lock.lock();
        try {
            if (drainFuture == null && closed) return CompletableFuture.completedFuture(List.of()); // close() abandoned all
            core.stopAdmitting();
            if (drainFuture == null) {
                drainFuture = new CompletableFuture<>();
                drainDeadlineNanos = Activation.saturatedAdd(clock.nanoTime(), saturatedNanos(timeout));
            }
            poke();
            return drainFuture;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            core.stopAdmitting();
            poke();
        } finally {
            lock.unlock();
        }
        if (thread == null) {
            shutdown();
        } else if (Thread.currentThread() != thread) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** For tests: whether the device thread is still running. */
    boolean deviceThreadAlive() {
        return thread != null && thread.isAlive();
    }

    /**
     * One turn of the loop: a decision, and the model call it chose if any. Returns {@link #RAN} after a call, else
     * the clock time until which there is nothing to do (Long.MAX_VALUE: until something happens).
     */
    long tickOnce() {
        long now = clock.nanoTime();
        SchedulerCore.Tick tick;
        List<SchedulerEvent> events;
        CompletableFuture<List<Job>> drained = null;
        List<Job> abandoned = List.of();
        long wakeAt;
        lock.lock();
        try {
            pending = false;
            if (drainFuture != null && !drainFuture.isDone() && (core.isEmpty() || now >= drainDeadlineNanos)) {
                drained = drainFuture;
                abandoned = core.abandonAll();
            }
            tick = core.plan(now);
            events = core.drainEvents();
            wakeAt = drainFuture != null && !drainFuture.isDone() && drained == null
                    ? Math.min(tick.waitUntilNanos(), drainDeadlineNanos) : tick.waitUntilNanos();
        } finally {
            lock.unlock();
        }
        deliver(events);
        if (drained != null) drained.complete(abandoned);
        BatchPlan plan = tick.batch();
        if (plan == null) {
            if (tick.waitUntilNanos() == Long.MAX_VALUE) waitStartNanos = -1; // nothing to wait with: no window open
            else if (waitStartNanos < 0) waitStartNanos = now;
            return wakeAt;
        }
        long waited = waitStartNanos < 0 ? 0 : now - waitStartNanos;
        waitStartNanos = -1;
        BatchResult result = null;
        try {
            result = plan.decoder != null ? decodes.execute(plan, waited) : executor.execute(plan, waited);
        } finally {
            if (result == null) result = BatchResult.failed(plan, now, waited,
                    plan.decoder != null ? BatchResult.DECODE_ERROR : BatchResult.MODEL_ERROR,
                    "model '" + plan.model.info().name() + "': the batch was aborted by an internal error");
            lock.lock();
            try {
                core.complete(plan, result, clock.nanoTime());
                events = core.drainEvents();
            } finally {
                lock.unlock();
            }
            if (plan.decoder != null) logDroppedPreviews(plan, result);
            deliver(events);
        }
        return RAN;
    }

    /** Preview rows of a decode call that failed: those previews are dropped (counted in its BatchRecord), their jobs go on. */
    private static void logDroppedPreviews(BatchPlan plan, BatchResult result) {
        int dropped = 0;
        String first = null;
        for (int i = 0; i < plan.members.length; i++) {
            if (!plan.members[i].previewOnly || !result.memberFailed(i)) continue;
            if (dropped++ == 0) first = plan.members[i] + ": " + result.errorMessage(i);
        }
        if (dropped > 0) log.warn("{} preview(s) dropped, their decode failed (the jobs go on); first: {}", dropped, first);
    }

    private void loop() {
        while (!closed) {
            try {
                long wakeAt = tickOnce();
                if (wakeAt != RAN) awaitWork(wakeAt);
            } catch (Throwable t) { // the loop must outlive any bug in a sample state or listener
                log.error("device loop turn failed; carrying on", t);
            }
        }
        shutdown();
    }

    private void awaitWork(long wakeAt) throws InterruptedException {
        lock.lock();
        try {
            while (!pending && !closed) {
                if (wakeAt == Long.MAX_VALUE) {
                    wake.await();
                } else {
                    long remaining = wakeAt - clock.nanoTime();
                    if (remaining <= 0) return;
                    wake.awaitNanos(remaining);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Abandons whatever is still in flight and settles a pending drain. */
    private void shutdown() {
        List<Job> abandoned;
        CompletableFuture<List<Job>> drained;
        lock.lock();
        try {
            abandoned = core.abandonAll();
            core.drainEvents();
            drained = drainFuture;
        } finally {
            lock.unlock();
        }
        if (!abandoned.isEmpty()) log.info("scheduler closed with {} jobs in flight; abandoned", abandoned.size());
        if (drained != null) drained.complete(abandoned);
    }

    private void deliver(List<SchedulerEvent> events) {
        for (SchedulerEvent e : events) {
            try {
                e.deliverTo(listener);
            } catch (Throwable t) { // a listener's failure is its own; the jobs and the loop go on
                log.warn("scheduler listener failed on {}", e, t);
            }
        }
    }

    private static long saturatedNanos(Duration d) {
        return d.compareTo(Duration.ofDays(365_000)) > 0 ? Long.MAX_VALUE / 4 : Math.max(0, d.toNanos());
    }

    /** Caller holds the lock. */
    private void poke() {
        pending = true;
        wake.signalAll();
    }
}
