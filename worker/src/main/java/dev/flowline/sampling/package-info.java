/**
 * Flowline's sampling library: solvers and time grids as data, classifier-free guidance, the stochastic sampler and
 * the per-sample state machine that the step-level batching scheduler drives. It knows nothing of Kafka, model
 * engines or threads; a model is only a {@link dev.flowline.sampling.VelocityField}.
 *
 * <p>Time runs from t = 0 (noise, x0 ~ N(0, I)) to t = 1 (data).
 *
 * <ul>
 *   <li>{@link dev.flowline.sampling.SamplerConfig} (built by {@link dev.flowline.sampling.SamplerConfigBuilder}):
 *       a validated sampler description; errors are {@link dev.flowline.sampling.InvalidSamplerException}s naming
 *       the wire-format field.</li>
 *   <li>{@link dev.flowline.sampling.Sampler}: the configuration with its grid resolved; makes
 *       {@link dev.flowline.sampling.SampleState}s from {@code (dim, seed, sampleIndex, label)}.</li>
 *   <li>{@link dev.flowline.sampling.SampleRunner}: runs states to completion without a scheduler (the reference).</li>
 *   <li>{@link dev.flowline.sampling.Solver}: the closed set of solvers, each a
 *       {@link dev.flowline.sampling.ButcherTableau}, a {@link dev.flowline.sampling.MultistepRule}, the
 *       {@link dev.flowline.sampling.FlowMapRule} of flow-map models, or {@code bespoke}: a
 *       {@link dev.flowline.sampling.BespokeSolver} (a base tableau plus learned per-step times and scales) that the
 *       model ships and {@link dev.flowline.sampling.Sampler#of} picks from its catalogue.</li>
 *   <li>{@link dev.flowline.sampling.Schedule}, {@link dev.flowline.sampling.TimeGrids},
 *       {@link dev.flowline.sampling.NamedSchedules}, {@link dev.flowline.sampling.BossOptimizer}: time grids.</li>
 *   <li>{@link dev.flowline.sampling.GaussianNoise}: the documented counter-based noise behind determinism.</li>
 * </ul>
 */
package dev.flowline.sampling;
