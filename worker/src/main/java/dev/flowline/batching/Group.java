package dev.flowline.batching;

import dev.flowline.model.LatentDecoder;
import dev.flowline.model.VelocityModel;

import java.util.ArrayList;

/** The active samples of one compatibility key (model name and sample shape), whose rows may share a model call. */
final class Group {
    final String key;
    final VelocityModel model;
    /** Non-null for a decode group: its slots are finished latents waiting for the model's decoder. */
    final LatentDecoder decoder;
    /** Active samples of the group; may briefly hold done ones until the core purges them before forming a batch. */
    final ArrayList<SampleSlot> slots = new ArrayList<>();
    /** What this group's calls cost, learned from them; sizes its CONTINUOUS calls. */
    final CostCurve curve;

    /** {@code device}: the busy meter every group of the scheduler shares (they share one device). */
    Group(String key, VelocityModel model, int maxBatchRows, DeviceBusy device) {
        this(key, model, null, maxBatchRows, device);
    }

    Group(String key, VelocityModel model, LatentDecoder decoder, int maxBatchRows, DeviceBusy device) {
        this.key = key;
        this.model = model;
        this.decoder = decoder;
        this.curve = new CostCurve(maxBatchRows, device);
    }

    /** {@link LearnedCost#VELOCITY} or {@link LearnedCost#DECODE}. */
    String kind() {
        return decoder == null ? LearnedCost.VELOCITY : LearnedCost.DECODE;
    }

    /** Whether the slot belongs here: a decoding slot in a decode group, any other in a velocity group. */
    boolean holds(SampleSlot s) {
        return s.decoding == (decoder != null);
    }

    /** Rows the group's ready samples need now. */
    int readyRows() {
        int rows = 0;
        for (SampleSlot s : slots) if (!s.done) rows += s.rows;
        return rows;
    }
}
