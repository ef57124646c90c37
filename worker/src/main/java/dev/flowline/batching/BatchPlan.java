package dev.flowline.batching;

import dev.flowline.model.LatentDecoder;
import dev.flowline.model.VelocityModel;

/**
 * One model call the core decided on: which samples, at which rows. A sample's rows are always contiguous and
 * never split across calls. Not changed once made; the executor runs it and the core completes it with a {@link BatchResult}.
 */
final class BatchPlan {
    final long seq;
    final String groupKey;
    final VelocityModel model;
    /** Non-null for a decode call: the members' finished latents go through this decoder, one row each. */
    final LatentDecoder decoder;
    final SampleSlot[] members;
    /** First row of each member; member i owns rows [rowOffsets[i], rowOffsets[i] + members[i].rows). */
    final int[] rowOffsets;
    /** Rows of each member's evaluation, fixed when the plan was made. */
    private final int[] memberRows;
    final int rows;
    /** Distinct jobs among the members (counted with {@link JobRun#plannedInBatch}, without allocating). */
    final int jobs;

    BatchPlan(long seq, String groupKey, VelocityModel model, SampleSlot[] members) {
        this(seq, groupKey, model, null, members);
    }

    BatchPlan(long seq, String groupKey, VelocityModel model, LatentDecoder decoder, SampleSlot[] members) {
        this.seq = seq;
        this.groupKey = groupKey;
        this.model = model;
        this.decoder = decoder;
        this.members = members;
        this.rowOffsets = new int[members.length];
        this.memberRows = new int[members.length];
        int row = 0;
        int distinct = 0;
        for (int i = 0; i < members.length; i++) {
            rowOffsets[i] = row;
            memberRows[i] = members[i].rows;
            row += memberRows[i];
            JobRun r = members[i].run;
            if (r.plannedInBatch != seq) {
                r.plannedInBatch = seq;
                distinct++;
            }
        }
        this.rows = row;
        this.jobs = distinct;
    }

    int rowsOf(int member) {
        return memberRows[member];
    }
}
