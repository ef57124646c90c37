package dev.flowline.batching;

/**
 * How one model call went: timings, and either a failure of the whole call (model exception) or per-member
 * failures (non-finite output rows, a sample state that threw). Members without an error stepped successfully.
 */
final class BatchResult {
    static final String MODEL_ERROR = "MODEL_ERROR";
    static final String NON_FINITE_OUTPUT = "NON_FINITE_OUTPUT";
    static final String SAMPLER_ERROR = "SAMPLER_ERROR";
    /** A decode call failed: the jobs whose latents were in it fail, nothing else. */
    static final String DECODE_ERROR = "DECODE_ERROR";

    final long callStartNanos;
    final long waitNanos;
    long modelNanos;
    long copyNanos;
    /** Non-null when the whole call failed: every member's job fails with it. */
    String batchErrorCode;
    String batchErrorMessage;
    private final String[] memberErrorCode;
    private final String[] memberErrorMessage;
    /** Decode calls only: each member's decoded sample, null where it failed. */
    float[][] decoded;

    BatchResult(int members, long callStartNanos, long waitNanos) {
        this.callStartNanos = callStartNanos;
        this.waitNanos = waitNanos;
        this.memberErrorCode = new String[members];
        this.memberErrorMessage = new String[members];
    }

    static BatchResult failed(BatchPlan plan, long callStartNanos, long waitNanos, String code, String message) {
        BatchResult r = new BatchResult(plan.members.length, callStartNanos, waitNanos);
        r.failBatch(code, message);
        return r;
    }

    void failBatch(String code, String message) {
        batchErrorCode = code;
        batchErrorMessage = message;
    }

    void failMember(int member, String code, String message) {
        memberErrorCode[member] = code;
        memberErrorMessage[member] = message;
    }

    boolean memberFailed(int member) {
        return batchErrorCode != null || memberErrorCode[member] != null;
    }

    String errorCode(int member) {
        return batchErrorCode != null ? batchErrorCode : memberErrorCode[member];
    }

    String errorMessage(int member) {
        return batchErrorCode != null ? batchErrorMessage : memberErrorMessage[member];
    }
}
