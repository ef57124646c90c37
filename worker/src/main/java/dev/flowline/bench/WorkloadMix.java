package dev.flowline.bench;

import dev.flowline.sampling.SamplerConfig;
import dev.flowline.sampling.Solver;

import java.util.List;

/**
 * A mix of job kinds, by weight: what the open-loop batching benchmark offers the scheduler and what the Kafka load
 * generator sends, so that the two measure the same workload. {@link #DEFAULT} is that shared mix.
 *
 * @param entries the job kinds; weights need not sum to 1 (they are normalised)
 */
public record WorkloadMix(List<Entry> entries) {

    /**
     * 30% 4-step Euler without guidance, 50% 8-step Heun with guidance w = 2, 20% 32-step RK4 without guidance; one
     * class-conditional sample per job. Costs per job in model rows: 4, 32 and 128 (a guided evaluation is two rows).
     */
    public static final WorkloadMix DEFAULT = new WorkloadMix(List.of(
            new Entry("euler-4", 0.3, Solver.EULER, 4, 1.0, 1),
            new Entry("heun-8-cfg2", 0.5, Solver.HEUN, 8, 2.0, 1),
            new Entry("rk4-32", 0.2, Solver.RK4, 32, 1.0, 1)));

    /**
     * One kind of job.
     *
     * @param name          short label for reports
     * @param weight        relative frequency, &gt; 0
     * @param solver        a fixed-step solver
     * @param steps         grid steps (uniform grid)
     * @param guidanceScale classifier-free guidance weight; 1 is none
     * @param samples       samples per job, ≥ 1
     */
    public record Entry(String name, double weight, Solver solver, int steps, double guidanceScale, int samples) {
        public Entry {
            if (name == null || name.isBlank()) throw new IllegalArgumentException("mix entry name must not be blank");
            if (!(weight > 0) || !Double.isFinite(weight)) throw new IllegalArgumentException("mix entry " + name + ": weight must be > 0");
            if (solver.isAdaptive()) throw new IllegalArgumentException("mix entry " + name + ": the mix uses fixed-step solvers only (known cost)");
            if (steps < 1) throw new IllegalArgumentException("mix entry " + name + ": steps must be >= 1");
            if (samples < 1) throw new IllegalArgumentException("mix entry " + name + ": samples must be >= 1");
        }

        /** Whether a labelled sample of this kind takes two rows per evaluation. */
        public boolean guided() {
            return guidanceScale != 1.0 && guidanceScale != 0.0;
        }

        /**
         * The sampler of this kind; on a model without a null class (no guidance possible) the guidance weight is
         * dropped, so that the mix still runs.
         */
        public SamplerConfig samplerConfig(boolean modelSupportsGuidance) {
            return SamplerConfig.builder().optSolver(solver).optSteps(steps)
                    .optGuidanceScale(modelSupportsGuidance ? guidanceScale : 1.0).build();
        }

        /** Model rows one job of this kind costs (every sample labelled). */
        public long rowsPerJob(boolean modelSupportsGuidance) {
            int rowsPerEval = modelSupportsGuidance && guided() ? 2 : 1;
            return (long) solver.method().evaluations(steps) * rowsPerEval * samples;
        }
    }

    public WorkloadMix {
        entries = List.copyOf(entries);
        if (entries.isEmpty()) throw new IllegalArgumentException("a workload mix needs at least one entry");
    }

    /** The entry whose cumulative weight interval holds {@code u} ∈ [0, 1). */
    public int pick(double u) {
        double total = totalWeight();
        double acc = 0;
        for (int i = 0; i < entries.size(); i++) {
            acc += entries.get(i).weight() / total;
            if (u < acc) return i;
        }
        return entries.size() - 1;
    }

    /** The expected model rows of one job. */
    public double meanRowsPerJob(boolean modelSupportsGuidance) {
        double total = totalWeight();
        double rows = 0;
        for (Entry e : entries) rows += e.weight() / total * e.rowsPerJob(modelSupportsGuidance);
        return rows;
    }

    private double totalWeight() {
        double total = 0;
        for (Entry e : entries) total += e.weight();
        return total;
    }
}
