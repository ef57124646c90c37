package dev.flowline.batching;

import dev.flowline.model.VelocityModel;

import java.util.HashSet;
import java.util.Set;

/**
 * One model call the core decided on: which samples, at which rows. A sample's rows are always contiguous and
 * never split across calls. Immutable; the executor runs it and the core completes it with a {@link BatchResult}.
 */
final class BatchPlan {
    final long seq;
    final String groupKey;
    final VelocityModel model;
    final SampleSlot[] members;
    /** First row of each member; member i owns rows [rowOffsets[i], rowOffsets[i] + members[i].rows). */
    final int[] rowOffsets;
    final int rows;
    /** Distinct jobs among the members. */
    final int jobs;

    BatchPlan(long seq, String groupKey, VelocityModel model, SampleSlot[] members) {
        this.seq = seq;
        this.groupKey = groupKey;
        this.model = model;
        this.members = members;
        this.rowOffsets = new int[members.length];
        int row = 0;
        int distinct = 0;
        JobRun last = null;
        Set<JobRun> seen = null;
        for (int i = 0; i < members.length; i++) {
            rowOffsets[i] = row;
            row += members[i].rows;
            JobRun r = members[i].run;
            if (r == last) continue;
            if (seen == null) seen = new HashSet<>();
            if (seen.add(r)) distinct++;
            last = r;
        }
        this.rows = row;
        this.jobs = distinct;
    }

    int rowsOf(int member) {
        return members[member].rows;
    }
}
