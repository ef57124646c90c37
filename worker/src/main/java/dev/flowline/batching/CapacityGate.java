package dev.flowline.batching;

/**
 * Jobs in flight against the high watermark ({@code maxJobsInFlight}) and the low one ({@code resumeBelowJobs}).
 * After a rejection, {@link #release()} reports exactly once that load fell below the low watermark.
 */
final class CapacityGate {
    private final int high;
    private final int low;
    /** Admitted jobs not yet completed or abandoned. */
    private int inFlight;
    /** A REJECTED_FULL was answered and the capacity listener has not fired since. */
    private boolean rejected;

    CapacityGate(int high, int low) {
        this.high = high;
        this.low = low;
    }

    boolean full() {
        return inFlight >= high;
    }

    void admit() {
        inFlight++;
    }

    void reject() {
        rejected = true;
    }

    /** One job left; true when the capacity listener must fire now. */
    boolean release() {
        inFlight--;
        if (rejected && inFlight < low) {
            rejected = false;
            return true;
        }
        return false;
    }

    int inFlight() {
        return inFlight;
    }
}
