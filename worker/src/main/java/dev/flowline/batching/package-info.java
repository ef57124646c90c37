/**
 * Flowline's step-level batching scheduler: admission, compatibility groups, batch forming, deadlines and
 * priorities. It knows nothing of Kafka or Avro; a job is a list of {@link dev.flowline.sampling.SampleState}s and
 * a model is a {@link dev.flowline.model.VelocityModel}.
 *
 * <p><b>Shape.</b> {@link dev.flowline.batching.Scheduler} is the public face; {@code DeviceScheduler} is one
 * device thread around {@code SchedulerCore}, the pure state (admission queue, active set by group, capacity gate,
 * deadlines, cancellation, one outcome per job) that takes the time as an argument and returns decisions and
 * events. The loop takes a decision under a lock, runs the model call without it ({@code BatchExecutor}: one
 * contiguous copy into reused per-group buffers, one call, one copy out), books the result under the lock in a
 * {@code finally}, and delivers events with no lock held.
 *
 * <p><b>Choosing a call.</b> The group holding the most urgent ready row goes first: priority (higher first) raised
 * by one level per {@code agingMillisPerLevel} of waiting, then the row that has waited longest; then up to
 * {@code maxBatchRows} of that group's rows in the same order, a guided evaluation's two rows always together.
 *
 * <p><b>The maxDelay window.</b> In CONTINUOUS mode an under-full call waits only when a cohort starts on an idle
 * device (every active sample is in the call and none has been evaluated yet) and more work could still join;
 * once running, arrivals join at the next step without anyone waiting. In REQUEST mode the window is Triton's:
 * from the arrival of the oldest queued job, while its set is under-full.
 *
 * <p><b>Identical samples.</b> Samples of jobs with equal {@link dev.flowline.batching.Job#dedupKey()} and equal
 * index are one computation: a later one follows the one in flight ({@code SampleSharing}) and takes no rows; each
 * job keeps its own outcome, and a follower takes the computation over when the leader's job ends first.
 *
 * <p><b>Failures.</b> A model exception fails every job with rows in that call (MODEL_ERROR); non-finite output
 * fails only the jobs whose rows are non-finite (NON_FINITE_OUTPUT), since a model's rows do not influence each
 * other; a sample state that throws fails its own job (SAMPLER_ERROR). The loop carries on in every case.
 */
package dev.flowline.batching;
