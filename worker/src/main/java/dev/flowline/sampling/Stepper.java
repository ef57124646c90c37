package dev.flowline.sampling;

/**
 * One sample's integrator, seen as a sequence of single velocity evaluations. Implementations keep all state in
 * double precision, in buffers allocated at construction.
 *
 * <p>Protocol: while not {@link #finished()}, the owner evaluates the velocity at {@link #evalPoint()} and
 * {@link #evalTime()} and passes it to {@link #accept}. Guidance and the SDE drift are the owner's business.
 */
interface Stepper {

    boolean finished();

    /** Time of the pending evaluation. */
    double evalTime();

    /**
     * Target time r of the pending evaluation, for flow-map models u(x, t, r): where the step lands. Ordinary solvers
     * ask for the instantaneous velocity, r = t.
     */
    default double targetTime() {
        return evalTime();
    }

    /** Point of the pending evaluation; an internal buffer, valid until the next {@link #accept}. */
    double[] evalPoint();

    /** The velocity at the pending evaluation point; the stepper copies what it keeps. */
    void accept(double[] velocity);

    /** Time of the current (last accepted) state. */
    double time();

    /** The current (last accepted) state; an internal buffer. */
    double[] state();

    int stepsDone();

    /** Planned steps; for adaptive steppers an estimate that may change. */
    int totalSteps();
}
