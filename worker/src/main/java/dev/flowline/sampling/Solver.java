package dev.flowline.sampling;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The closed set of solvers a job may name. Each is a {@link SolverMethod}: a tableau or a multistep rule, never
 * solver-specific control flow.
 */
public enum Solver {
    EULER(ButcherTableau.EULER),
    MIDPOINT(ButcherTableau.MIDPOINT),
    HEUN(ButcherTableau.HEUN),
    RALSTON3(ButcherTableau.RALSTON3),
    RK4(ButcherTableau.RK4),
    /** Dormand–Prince 5(4) with per-sample adaptive step size. */
    DOPRI5(ButcherTableau.DOPRI5),
    AB2(MultistepRule.AB2),
    AB3(MultistepRule.AB3),
    /** One step {@code x_r = x_t + (r - t)·u(x_t, t, r)} per grid step: for flow-map models (average velocity). */
    FLOWMAP(FlowMapRule.FLOWMAP),
    /**
     * A learned solver whose numbers the model ships ({@link BespokeSolver}); which one runs is chosen from the model's
     * catalogue by step count or budget when the sampler is made ({@link Sampler#of}).
     */
    BESPOKE(null);

    private static final String VALID = Arrays.stream(values()).map(Solver::id).collect(Collectors.joining(", "));

    private final SolverMethod method;

    Solver(SolverMethod method) {
        this.method = method;
    }

    /** The name jobs use, e.g. {@code "heun"}. */
    public String id() {
        return this == BESPOKE ? "bespoke" : method.name();
    }

    /**
     * The solver's numbers.
     *
     * @throws IllegalStateException for {@link #BESPOKE}, whose numbers come from the model (see {@link Sampler#method()})
     */
    public SolverMethod method() {
        if (method == null) throw new IllegalStateException("the bespoke solver's numbers come from the model; ask the Sampler");
        return method;
    }

    /** Whether the model supplies the solver's numbers (a learned solver). */
    public boolean isModelDefined() {
        return method == null;
    }

    /** Whether the solver chooses its own steps (the time grid and step count do not apply). */
    public boolean isAdaptive() {
        return method instanceof ButcherTableau t && t.isEmbedded();
    }

    /**
     * Parses a job's solver name (case-insensitive, surrounding blanks ignored).
     *
     * @throws InvalidSamplerException on field {@code solver}, listing the valid names
     */
    public static Solver parse(String name) {
        if (name != null) {
            String wanted = name.strip().toLowerCase(Locale.ROOT);
            for (Solver s : values()) {
                if (s.id().equals(wanted)) return s;
            }
        }
        throw new InvalidSamplerException("solver", "unknown solver '" + name + "'; valid solvers: " + VALID);
    }

    @Override
    public String toString() {
        return id();
    }
}
