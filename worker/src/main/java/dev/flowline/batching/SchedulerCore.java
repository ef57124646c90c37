package dev.flowline.batching;

import dev.flowline.model.LatentDecoder;
import dev.flowline.model.VelocityModel;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The scheduler's state and decisions, without threads or I/O: admission, the queue, the active set by
 * compatibility group, batch choice, deadlines, cancellation and every job's single outcome. Inputs are calls with
 * the current time; outputs are return values and {@link SchedulerEvent}s taken with {@link #drainEvents()}.
 * Not thread-safe: the device scheduler guards it with one lock and never holds that lock during a model call.
 *
 * <p>Invariants: a job is in {@link #runs} exactly while it is in flight (QUEUED or ACTIVE); it leaves through
 * {@link #end} (one Completed event) or {@link #abandon} (none), never both. {@link #activeSamples} counts the
 * slots of ACTIVE jobs that are not done.
 */
final class SchedulerCore {
    static final String CANCELLED = "CANCELLED";
    static final String DEADLINE = "DEADLINE";

    record Tick(BatchPlan batch, long waitUntilNanos) {
        static final Tick IDLE = new Tick(null, Long.MAX_VALUE);
    }

    private final SchedulerOptions options;
    private final long maxDelayNanos;
    private final long maxCallNanos;
    /** How busy the device was lately, over every group's calls: sizes calls on a device with time to spare. */
    private final DeviceBusy deviceBusy = new DeviceBusy();
    /** LEAST_SLACK_FIRST: deadline-first admission and early expiry of infeasible jobs. */
    private final boolean deadlineAware;
    /** In-flight jobs by id, in admission order. */
    private final Map<String, JobRun> runs = new LinkedHashMap<>();
    private final AdmissionQueue queue;
    private final Map<String, Group> groups = new LinkedHashMap<>();
    private final BatchFormer former;
    private final CapacityGate capacity;
    private final SampleSharing sharing;
    private List<SchedulerEvent> events = new ArrayList<>();
    private boolean admitting = true;
    private int activeJobs;
    private int activeSamples;
    /** Some slot became done and may still be listed in its group. */
    private boolean slotsDirty;
    /** In-flight jobs with a cancellation not yet applied. */
    private int cancelsPending;
    /** No in-flight job can expire before this (it may be earlier than the real next deadline, never later). */
    private long earliestDeadline = Long.MAX_VALUE;
    /** In-flight jobs that have a deadline. */
    private int deadlineJobs;
    private long nextJobSeq;
    private long nextBatchSeq;
    /** Stamps {@link SampleSlot#readyOrder}. */
    private long nextReadyOrder;
    private long ticks;
    private long modelCalls;
    private long rowsInCalls;

    SchedulerCore(SchedulerOptions options) {
        this.options = options;
        this.maxDelayNanos = options.maxDelayMicros() * 1_000L;
        this.maxCallNanos = options.maxCallMicros() * 1_000L;
        this.deadlineAware = options.policy() == OrderingPolicy.LEAST_SLACK_FIRST;
        long agingNanos = options.agingMillisPerLevel() * 1_000_000L;
        this.queue = new AdmissionQueue(agingNanos, deadlineAware);
        this.former = new BatchFormer(options.policy(), agingNanos);
        this.capacity = new CapacityGate(options.maxJobsInFlight(), options.resumeBelowJobs());
        this.sharing = new SampleSharing(options.dedup());
    }

    /** Admits the job (into the queue) or says why not. {@code model} is null when the provider knows no such model. */
    Admission offer(Job job, VelocityModel model, long now, Instant wallNow) {
        return offer(job, model, null, now, wallNow);
    }

    /** {@link #offer(Job, VelocityModel, long, Instant)} for a latent model: {@code decoder} decodes its finished samples. */
    Admission offer(Job job, VelocityModel model, LatentDecoder decoder, long now, Instant wallNow) {
        if (!admitting) return Admission.REJECTED_SHUTDOWN;
        if (runs.containsKey(job.jobId())) return Admission.REJECTED_DUPLICATE;
        if (model == null) return Admission.REJECTED_UNKNOWN_MODEL;
        if (capacity.full()) {
            capacity.reject();
            return Admission.REJECTED_FULL;
        }
        long deadline = Long.MAX_VALUE;
        if (job.deadline() != null) {
            deadline = Activation.saturatedAdd(now, saturatedNanos(Duration.between(wallNow, job.deadline())));
            earliestDeadline = Math.min(earliestDeadline, deadline);
            if (deadline != Long.MAX_VALUE) deadlineJobs++;
        }
        if (job.stepChoice() != null && job.chosen() == null) job = chooseSteps(job, model, now, deadline);
        JobRun run = new JobRun(job, model, groupKey(model), nextJobSeq++, now, deadline);
        run.decoder = decoder;
        runs.put(job.jobId(), run);
        queue.add(run);
        velocityGroup(run).curve.offered(run.rowsLeft(), now);
        capacity.admit();
        return Admission.ACCEPTED;
    }

    /**
     * The job with its step count or tier candidate chosen (see {@link AdaptiveSteps}): against its deadline, else the
     * latency target; with neither, or before the device's cost is known, its largest candidate (what light load
     * allows).
     */
    private Job chooseSteps(Job job, VelocityModel model, long now, long deadline) {
        StepChoice c = job.stepChoice();
        long budget = deadline != Long.MAX_VALUE ? deadline - now : options.latencyTargetMillis() * 1_000_000L;
        Group g = groups.get(groupKey(model));
        if (budget == 0 && deadline == Long.MAX_VALUE || g == null) return job.withChosen(c.size() - 1);
        int learned = Math.min(options.maxBatchRows(), g.curve.learned(maxCallNanos));
        long callAtLearned = g.curve.estimateNanos(learned);
        if (callAtLearned <= 0) return job.withChosen(c.size() - 1);
        long backlogRows = 0;
        for (JobRun r : runs.values()) backlogRows += r.rowsLeft();
        int rowsPerEvaluation = job.samples().size() * Math.max(1, job.samples().get(0).rowsNeeded());
        double nanosPerRow = callAtLearned / (double) learned;
        AdaptiveSteps.Cost cost = new AdaptiveSteps.Cost() {
            @Override
            public long callNanos(int rows) {
                return g.curve.estimateNanos(Math.min(rows, options.maxBatchRows()));
            }

            @Override
            public double nanosPerRow() {
                return nanosPerRow;
            }
        };
        int chosen = AdaptiveSteps.choose(c, budget, rowsPerEvaluation, backlogRows, learned, cost);
        try {
            return job.withChosen(chosen);
        } catch (RuntimeException e) { // the edge checked every candidate (a range's ends); should one still fail, run the largest
            return job.withChosen(c.size() - 1);
        }
    }

    /** Marks the job for cancellation at the next tick; false when it is not in flight. */
    boolean cancel(String jobId) {
        JobRun run = runs.get(jobId);
        if (run == null) return false;
        if (!run.cancelRequested) {
            run.cancelRequested = true;
            cancelsPending++;
        }
        return true;
    }

    /** Removes matching in-flight jobs without an outcome. */
    List<Job> abandon(Predicate<Job> which) {
        List<Job> removed = new ArrayList<>();
        for (JobRun run : new ArrayList<>(runs.values())) {
            if (!which.test(run.job)) continue;
            remove(run);
            removed.add(run.job);
        }
        return removed;
    }

    List<Job> abandonAll() {
        return abandon(j -> true);
    }

    void stopAdmitting() {
        admitting = false;
    }

    boolean isEmpty() {
        return runs.isEmpty();
    }

    int jobsInFlight() {
        return capacity.inFlight();
    }

    boolean hasRoom() {
        return admitting && !capacity.full();
    }

    /**
     * One scheduling decision at {@code now}: applies cancellations and deadlines, moves queued jobs into the active
     * set, and chooses the next model call, or says until when to wait (for company, or for anything at all).
     */
    Tick plan(long now) {
        ticks++;
        sweep(now);
        Activation.Guard guard = Activation.Guard.NONE;
        if (deadlineAware && deadlineJobs > 0) {
            expireInfeasible(now);
            guard = new DeadlineGuard(now);
        }
        Activation.Decision decision = Activation.decide(options, queue, activeJobs, activeSamples,
                admitting && !capacity.full(), now, guard);
        for (JobRun run : decision.activate()) activate(run, now);
        if (slotsDirty) purgeDoneSlots();
        BatchPlan batch = former.form(groups.values(), now, nextBatchSeq++, this::callRows, this::rank); // a plan not run still used its number
        long waitUntil = batch == null ? decision.waitUntilNanos() : companyWindowEnd(batch);
        if (batch != null && now >= waitUntil) return new Tick(batch, 0);
        if (runs.isEmpty()) return Tick.IDLE;
        long wakeAt = Math.min(waitUntil, earliestDeadline); // a job waiting with the device idle may expire meanwhile
        return wakeAt == Long.MAX_VALUE ? Tick.IDLE : new Tick(null, wakeAt);
    }

    /**
     * In CONTINUOUS mode an under-full call waits for new jobs only when a cohort starts on an otherwise idle device:
     * the call holds every active sample, none has been evaluated yet, and more could join (admission open, room in
     * the active set, nothing queued). A running cohort never waits: arrivals join it at the next step for free.
     */
    private long companyWindowEnd(BatchPlan batch) {
        if (batch.decoder != null) return Long.MIN_VALUE; // finished work never waits for company
        if (options.mode() != BatchingMode.CONTINUOUS || maxDelayNanos == 0 || batch.rows >= options.maxBatchRows()
                || batch.members.length != activeSamples || activeSamples >= options.maxActiveSamples()
                || !queue.isEmpty() || !admitting || capacity.full()) return Long.MIN_VALUE;
        long oldest = Long.MAX_VALUE;
        for (SampleSlot s : batch.members) {
            if (s.evaluated) return Long.MIN_VALUE;
            oldest = Math.min(oldest, s.readySinceNanos);
        }
        return Activation.saturatedAdd(oldest, maxDelayNanos);
    }

    /** Books the finished call: steps its members on, ends the jobs it finished or failed, reports the batch. */
    void complete(BatchPlan plan, BatchResult result, long now) {
        if (plan.decoder != null) {
            completeDecode(plan, result, now);
            return;
        }
        modelCalls++;
        rowsInCalls += plan.rows;
        Group group = groups.get(plan.groupKey);
        if (group != null && result.batchErrorCode == null) group.curve.record(plan.rows, result.modelNanos, now);
        List<JobRun> advanced = new ArrayList<>();
        long dedupedRows = sharing.takeSubscribedRows();
        for (int i = 0; i < plan.members.length; i++) {
            SampleSlot s = SampleSharing.live(plan.members[i]); // the member, or the follower its computation passed to
            if (s == null) continue; // cancelled, expired, failed or abandoned meanwhile, and nobody shares it
            JobRun run = s.run;
            if (run.phase != JobRun.Phase.ACTIVE) continue;
            List<SampleSlot> followers = SampleSharing.liveFollowers(s);
            s.rowsDone += plan.rowsOf(i);
            dedupedRows += (long) plan.rowsOf(i) * followers.size();
            rode(run, plan, result, advanced);
            for (SampleSlot f : followers) rode(f.run, plan, result, advanced);
            if (result.memberFailed(i)) {
                for (SampleSlot f : followers) if (f.run.phase == JobRun.Phase.ACTIVE) end(f.run, JobStatus.FAILED, result.errorCode(i), result.errorMessage(i), now);
                end(run, JobStatus.FAILED, result.errorCode(i), result.errorMessage(i), now);
                continue;
            }
            s.evaluated = true;
            s.readySinceNanos = now;
            s.readyOrder = nextReadyOrder++;
            int rows = nextRows(s);
            if (rows == 0) {
                for (SampleSlot f : followers) if (!f.done) finishSlot(f, now);
                finishSlot(s, now);
            } else if (rows < 0 || rows > 2) {
                String why = "sample " + s.index + " is in an invalid state";
                for (SampleSlot f : followers) if (f.run.phase == JobRun.Phase.ACTIVE) end(f.run, JobStatus.FAILED, BatchResult.SAMPLER_ERROR, why, now);
                end(run, JobStatus.FAILED, BatchResult.SAMPLER_ERROR, why, now);
            } else {
                s.rows = rows;
            }
        }
        for (JobRun run : advanced) {
            if (run.phase != JobRun.Phase.ACTIVE) continue;
            SchedulerEvent.Progress progress;
            try {
                progress = run.progress();
            } catch (RuntimeException e) { // progress is best effort; the job's outcome is what counts
                continue;
            }
            SchedulerEvent.Preview preview = Previews.due(run);
            if (run.decoder == null) {
                events.add(progress);
                if (preview != null) events.add(preview);
            } else { // latent model: the preview goes out once its estimate is decoded, the job's later events behind it
                emitOrHold(run, progress);
                if (preview != null) queuePreviewDecode(run, preview.preview(), now);
            }
        }
        events.add(new SchedulerEvent.Batch(new BatchRecord(plan.groupKey, plan.rows, plan.members.length, plan.jobs,
                result.modelNanos, result.waitNanos, result.copyNanos, queue.size(), activeSamples, dedupedRows)));
    }

    /**
     * A latent job's preview is due: its estimate of the final latent waits, one row, in the model's decode group
     * (so many jobs' previews and finished latents share decoder calls, ordered like any decode work); the preview
     * goes out when that row is decoded. At sample 0's last step the estimate is the finished latent itself
     * (x̂₁ = x at t = 1), so the preview takes sample 0's own final decode instead of a row of its own.
     */
    private void queuePreviewDecode(JobRun run, SamplePreview preview, long now) {
        SampleSlot s0 = run.slots.get(0);
        if (s0.decoding && !s0.previewOnly && finished(s0)) {
            s0.preview = preview;
            run.held.addLast(s0);
            flushHeld(run); // already decoded (sample 0 finished earlier): out at once
            return;
        }
        SampleSlot row = SampleSlot.previewDecode(run, preview, s0.state);
        row.readySinceNanos = now;
        row.readyOrder = nextReadyOrder++;
        run.held.addLast(row);
        String key = DecodeExecutor.key(run.groupKey);
        groups.computeIfAbsent(key, k -> new Group(k, run.model, run.decoder, options.maxBatchRows(), deviceBusy)).slots.add(row);
    }

    private static boolean finished(SampleSlot s) {
        try {
            return s.state.isFinished();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** A latent job's progress: out now, or held behind the job's previews still being decoded (step order). */
    private void emitOrHold(JobRun run, SchedulerEvent.Progress progress) {
        if (run.held.isEmpty()) {
            events.add(progress);
            return;
        }
        if (run.held.peekLast() instanceof SchedulerEvent.Progress) run.held.pollLast(); // only the latest matters
        run.held.addLast(progress);
    }

    /**
     * Sends the job's held events up to its first preview still being decoded, in order; a preview whose decode
     * failed is dropped (best effort, like an oversized PNG), the job carries on.
     */
    private void flushHeld(JobRun run) {
        while (!run.held.isEmpty()) {
            Object head = run.held.peekFirst();
            if (head instanceof SampleSlot s) {
                if (s.previewOnly ? !s.done : s.decoded == null) return; // still decoding
                run.held.pollFirst();
                if (s.decoded != null) events.add(new SchedulerEvent.Preview(s.preview.withEstimate(s.decoded.clone())));
                if (s.previewOnly) s.decoded = null; // the event has its copy
            } else {
                run.held.pollFirst();
                events.add((SchedulerEvent) head);
            }
        }
    }

    /** Books a call for a job whose sample (its own or one it shares) rode in it; notes jobs owed a progress event. */
    private static void rode(JobRun run, BatchPlan plan, BatchResult result, List<JobRun> advanced) {
        if (run.phase != JobRun.Phase.ACTIVE) return;
        if (run.lastBatchSeq != plan.seq && run.job.progress()) advanced.add(run);
        run.countCall(plan.seq, plan.rows, result.callStartNanos);
    }

    /**
     * Books a finished decode call: members that decoded are done; a job succeeds when all its samples are. Preview
     * rows are booked first, so that a preview decoded in the same call as its job's last latent goes out before the
     * job ends; a failed preview row is dropped and counted, never failing its job.
     */
    private void completeDecode(BatchPlan plan, BatchResult result, long now) {
        Group group = groups.get(plan.groupKey);
        if (group != null && result.batchErrorCode == null) group.curve.record(plan.rows, result.modelNanos, now);
        int previewRows = 0;
        int previewsDropped = 0;
        List<JobRun> previewed = new ArrayList<>();
        for (int i = 0; i < plan.members.length; i++) {
            SampleSlot s = plan.members[i];
            if (!s.previewOnly) continue;
            previewRows++;
            JobRun run = s.run;
            if (run.phase != JobRun.Phase.ACTIVE || s.done) continue; // its job ended meanwhile: the preview with it
            run.countDecode(plan.seq);
            s.done = true;
            slotsDirty = true;
            if (result.memberFailed(i)) previewsDropped++;
            else s.decoded = result.decoded[i];
            if (!previewed.contains(run)) previewed.add(run);
        }
        for (JobRun run : previewed) flushHeld(run);
        List<JobRun> advanced = new ArrayList<>();
        for (int i = 0; i < plan.members.length; i++) {
            SampleSlot s = plan.members[i];
            JobRun run = s.run;
            if (s.previewOnly || run.phase != JobRun.Phase.ACTIVE || s.done) continue;
            run.countDecode(plan.seq);
            if (result.memberFailed(i)) {
                end(run, JobStatus.FAILED, result.errorCode(i), result.errorMessage(i), now);
                continue;
            }
            s.decoded = result.decoded[i];
            s.done = true;
            activeSamples--;
            slotsDirty = true;
            if (!run.held.isEmpty()) flushHeld(run); // its last-step preview, if it answers one
            if (--run.samplesLeft == 0) end(run, JobStatus.SUCCEEDED, null, null, now);
            else if (run.job.progress() && !advanced.contains(run)) advanced.add(run);
        }
        for (JobRun run : advanced) {
            if (run.phase != JobRun.Phase.ACTIVE) continue;
            try {
                emitOrHold(run, run.progress());
            } catch (RuntimeException e) { // progress is best effort
                continue;
            }
        }
        events.add(new SchedulerEvent.Batch(new BatchRecord(plan.groupKey, plan.rows, plan.members.length, plan.jobs,
                result.modelNanos, result.waitNanos, result.copyNanos, queue.size(), activeSamples, 0, previewRows, previewsDropped)));
    }

    /** Events decided since the last call, oldest first. */
    List<SchedulerEvent> drainEvents() {
        if (events.isEmpty()) return List.of();
        List<SchedulerEvent> out = events;
        events = new ArrayList<>();
        return out;
    }

    /** Each group's learned call cost, by compatibility key. */
    Map<String, List<CallCost>> costCurves() {
        Map<String, List<CallCost>> out = new LinkedHashMap<>();
        for (Group g : groups.values()) out.put(g.key, g.curve.points());
        return Collections.unmodifiableMap(out);
    }

    /** Each group's learned cost as a line and the call size chosen from it, without the occasional probe. */
    List<LearnedCost> learnedCosts() {
        List<LearnedCost> out = new ArrayList<>();
        for (Group g : groups.values()) {
            int target = options.mode() != BatchingMode.CONTINUOUS ? options.maxBatchRows()
                    : Math.min(options.maxBatchRows(), g.curve.learned(maxCallNanos));
            out.add(g.curve.model(g.key, g.kind(), target));
        }
        return out;
    }

    /** Rows a group's next call may take: in CONTINUOUS mode its learned size, else (and at most) maxBatchRows. */
    private int callRows(Group g) {
        if (options.mode() != BatchingMode.CONTINUOUS) return options.maxBatchRows();
        return Math.min(options.maxBatchRows(), g.curve.target(maxCallNanos));
    }

    /** A job-aware pass's rank: oldest first; under LEAST_SLACK_FIRST deadline jobs ahead, least slack first. */
    private void rank(JobRun run, long now) {
        run.workLeft = run.evaluationsLeft();
        run.rank = 0;
        if (deadlineAware && run.deadlineNanos != Long.MAX_VALUE) {
            long slack = run.deadlineNanos - now - run.workLeft * callEstimate(run);
            run.rank = Math.clamp(slack, -(1L << 60), 1L << 60) - (1L << 61);
        }
    }

    /** Estimated time of one call of the job's group at its learned size; 0 while nothing is known. */
    private long callEstimate(JobRun run) {
        Group g = groups.get(run.groupKey);
        return g == null ? 0 : g.curve.estimateNanos(Math.min(options.maxBatchRows(), g.curve.learned(maxCallNanos)));
    }

    /**
     * Ends EXPIRED the queued jobs that cannot meet their deadline even alone on the device: their remaining
     * evaluations at the learned time of a call of their own rows. Unknown costs expire nothing.
     */
    private void expireInfeasible(long now) {
        List<JobRun> late = null;
        for (JobRun run : runs.values()) {
            if (run.phase != JobRun.Phase.QUEUED || run.deadlineNanos == Long.MAX_VALUE) continue;
            Group g = groups.get(run.groupKey);
            if (g == null) continue;
            long alone = run.evaluationsLeft() * g.curve.estimateNanos(run.samples() * run.rowsPerEvaluation);
            if (alone > 0 && now + alone > run.deadlineNanos) {
                if (late == null) late = new ArrayList<>();
                late.add(run);
            }
        }
        if (late == null) return;
        for (JobRun run : late) {
            Group g = groups.get(run.groupKey);
            long alone = run.evaluationsLeft() * g.curve.estimateNanos(run.samples() * run.rowsPerEvaluation);
            end(run, JobStatus.EXPIRED, DEADLINE, "job " + run.job.jobId() + " cannot meet its deadline " + run.job.deadline()
                    + ": it needs about " + alone / 1_000_000 + " ms of device time alone", now);
        }
    }

    /**
     * Holds back a queued job whose start would make a running job with an earlier deadline miss it: that job's
     * evaluations left at the call time with the newcomer's rows added, against the call time without them.
     */
    private final class DeadlineGuard implements Activation.Guard {
        private final long now;
        private List<JobRun> running;

        DeadlineGuard(long now) {
            this.now = now;
        }

        @Override
        public boolean mayStart(JobRun candidate) {
            Group g = groups.get(candidate.groupKey);
            if (g == null) return true;
            if (running == null) {
                running = new ArrayList<>();
                for (JobRun r : runs.values()) {
                    if (r.phase == JobRun.Phase.ACTIVE && r.deadlineNanos != Long.MAX_VALUE) running.add(r);
                }
            }
            if (running.isEmpty()) return true;
            int size = callRows(g.curve.learned(maxCallNanos));
            int rows = g.readyRows();
            long before = g.curve.estimateNanos(Math.max(1, Math.min(rows, size)));
            long after = g.curve.estimateNanos(Math.min(rows + candidate.samples() * candidate.rowsPerEvaluation, size));
            for (JobRun r : running) {
                if (!r.groupKey.equals(candidate.groupKey) || r.deadlineNanos >= candidate.deadlineNanos) continue;
                long left = r.evaluationsLeft();
                if (now + left * before <= r.deadlineNanos && now + left * after > r.deadlineNanos) return false;
            }
            return true;
        }

        private int callRows(int learned) {
            return Math.min(options.maxBatchRows(), learned);
        }
    }

    SchedulerSnapshot snapshot() {
        int rows = 0;
        for (Group g : groups.values()) for (SampleSlot s : g.slots) if (!s.done) rows += s.rows;
        return new SchedulerSnapshot(queue.size(), activeJobs, activeSamples, rows, capacity.inFlight(), ticks,
                modelCalls, rowsInCalls);
    }

    private void sweep(long now) {
        if (cancelsPending == 0 && now < earliestDeadline) return;
        long earliest = Long.MAX_VALUE;
        for (JobRun run : new ArrayList<>(runs.values())) {
            boolean mayExpire = run.deadlineNanos != Long.MAX_VALUE
                    && (run.phase == JobRun.Phase.QUEUED || options.deadlinePolicy() == DeadlinePolicy.ANYTIME || !run.started());
            if (run.cancelRequested) {
                end(run, JobStatus.CANCELLED, CANCELLED, "job " + run.job.jobId() + " was cancelled", now);
            } else if (mayExpire && now >= run.deadlineNanos) {
                end(run, JobStatus.EXPIRED, DEADLINE, "job " + run.job.jobId() + " passed its deadline "
                        + run.job.deadline() + (run.started() ? " while sampling" : " before it started"), now);
            } else if (mayExpire) {
                earliest = Math.min(earliest, run.deadlineNanos);
            }
        }
        earliestDeadline = earliest;
    }

    private void activate(JobRun run, long now) {
        for (SampleSlot s : run.slots) {
            int rows = nextRows(s);
            if (rows < 0 || rows > 2) { // still QUEUED: ends without touching the active counts
                end(run, JobStatus.FAILED, BatchResult.SAMPLER_ERROR, "sample " + s.index + " is in an invalid state", now);
                return;
            }
            s.rows = rows;
        }
        queue.remove(run);
        run.phase = JobRun.Phase.ACTIVE;
        activeJobs++;
        Group group = velocityGroup(run);
        for (SampleSlot s : run.slots) {
            activeSamples++;
            s.readySinceNanos = now;
            s.readyOrder = nextReadyOrder++;
            if (s.rows == 0) finishSlot(s, now);
            else {
                SampleSlot joins = sharing.subscribe(s); // a follower takes no rows: its driver's carry it
                if (joins == s) group.slots.add(s);
                else if (joins != null) { // s leads instead of the slot it displaced
                    int at = group.slots.indexOf(joins);
                    if (at >= 0) group.slots.set(at, s);
                    else group.slots.add(s);
                }
            }
        }
    }

    /** The group whose velocity calls carry the job's rows, made on first use. */
    private Group velocityGroup(JobRun run) {
        return groups.computeIfAbsent(run.groupKey, k -> new Group(k, run.model, options.maxBatchRows(), deviceBusy));
    }

    /** Rows of the sample's next evaluation, 0 when finished, -1 when its state throws (it then fails its job). */
    private static int nextRows(SampleSlot s) {
        try {
            return s.state.isFinished() ? 0 : s.state.rowsNeeded();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private void finishSlot(SampleSlot s, long now) {
        if (s.run.decoder != null && !s.decoding) {
            queueDecode(s, now);
            return;
        }
        s.done = true;
        sharing.release(s);
        activeSamples--;
        slotsDirty = true;
        if (--s.run.samplesLeft == 0) end(s.run, JobStatus.SUCCEEDED, null, null, now);
    }

    /**
     * A latent model's sample finished integrating: its latent waits, one row, in the model's decode group, which
     * the batch former weighs against velocity calls like any group (so the ordering policy decides when it runs).
     */
    private void queueDecode(SampleSlot s, long now) {
        JobRun run = s.run;
        s.decoding = true;
        s.rows = 1;
        s.readySinceNanos = now;
        s.readyOrder = nextReadyOrder++;
        slotsDirty = true; // leaves its velocity group at the next purge
        String key = DecodeExecutor.key(run.groupKey);
        groups.computeIfAbsent(key, k -> new Group(k, run.model, run.decoder, options.maxBatchRows(), deviceBusy)).slots.add(s);
    }

    /** The one way a job ends with an outcome. */
    private void end(JobRun run, JobStatus status, String code, String message, long now) {
        detach(run);
        events.add(new SchedulerEvent.Completed(run.outcome(status, code, message, now)));
        releaseCapacity();
    }

    private void remove(JobRun run) {
        detach(run);
        releaseCapacity();
    }

    private void releaseCapacity() {
        if (capacity.release()) events.add(new SchedulerEvent.CapacityAvailable());
    }

    private void detach(JobRun run) {
        if (run.phase == JobRun.Phase.QUEUED) {
            queue.remove(run);
        } else if (run.phase == JobRun.Phase.ACTIVE) {
            activeJobs--;
            for (SampleSlot s : run.slots) {
                if (s.done) continue;
                s.done = true;
                activeSamples--;
                slotsDirty = true;
                SampleSlot next = sharing.handOver(s); // another job still wants this sample: it keeps running
                if (next != null) groups.get(next.run.groupKey).slots.add(next);
            }
        }
        if (!run.held.isEmpty()) { // never after the job's end: its previews still decoding leave their group
            for (Object o : run.held) if (o instanceof SampleSlot p && p.previewOnly) p.done = true;
            run.held.clear();
            slotsDirty = true;
        }
        run.phase = JobRun.Phase.ENDED;
        runs.remove(run.job.jobId());
        if (run.deadlineNanos != Long.MAX_VALUE) deadlineJobs--;
        if (run.cancelRequested) cancelsPending--;
    }

    private void purgeDoneSlots() {
        for (Group g : groups.values()) g.slots.removeIf(s -> s.done || !g.holds(s));
        slotsDirty = false;
    }

    private static String groupKey(VelocityModel model) {
        StringBuilder b = new StringBuilder(model.info().name()).append('[');
        int[] shape = model.info().sampleShape();
        for (int i = 0; i < shape.length; i++) b.append(i == 0 ? "" : "x").append(shape[i]);
        return b.append("]fp32").toString();
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE / 2 : Long.MAX_VALUE / 2;
        }
    }
}
