/**
 * In-process benchmarks (no Kafka), run as {@code bench batching | quality | solvers} ({@link dev.flowline.cli.BenchCommand}).
 * Each writes a JSON file of figures, PNG plots beside it and a short summary; every figure a comparison rests on is
 * measured side by side in the same run, and tests never assert on time.
 *
 * <ul>
 *   <li>{@link dev.flowline.bench.BatchingBench}: the model alone (the limit), closed-loop saturation through the
 *       scheduler (its efficiency), and an open-loop Poisson trace of the shared {@link dev.flowline.bench.WorkloadMix}
 *       replayed against every batching mode.</li>
 *   <li>{@link dev.flowline.bench.QualityBench}: Fréchet distance and class accuracy of guided samples per solver,
 *       schedule (uniform, shifted, BOSS-optimised) and NFE, against a tight dopri5 reference.</li>
 *   <li>{@link dev.flowline.bench.SolversBench}: convergence order of every solver on the closed-form model, and
 *       dopri5's evaluations against its tolerance.</li>
 * </ul>
 */
package dev.flowline.bench;
