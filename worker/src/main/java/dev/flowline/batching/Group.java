package dev.flowline.batching;

import dev.flowline.model.VelocityModel;

import java.util.ArrayList;

/** The active samples of one compatibility key (model name and sample shape), whose rows may share a model call. */
final class Group {
    final String key;
    final VelocityModel model;
    /** Active samples of the group; may briefly hold done ones until the core purges them before forming a batch. */
    final ArrayList<SampleSlot> slots = new ArrayList<>();
    /** What this group's calls cost, learned from them; sizes its CONTINUOUS calls. */
    final CostCurve curve;

    Group(String key, VelocityModel model, int maxBatchRows) {
        this.key = key;
        this.model = model;
        this.curve = new CostCurve(maxBatchRows);
    }

    /** Rows the group's ready samples need now. */
    int readyRows() {
        int rows = 0;
        for (SampleSlot s : slots) if (!s.done) rows += s.rows;
        return rows;
    }
}
