package dev.flowline.batching;

import dev.flowline.model.VelocityModel;

import java.util.ArrayList;

/** The active samples of one compatibility key (model name and sample shape), whose rows may share a model call. */
final class Group {
    final String key;
    final VelocityModel model;
    /** Active samples of the group; may briefly hold done ones until the core purges them before forming a batch. */
    final ArrayList<SampleSlot> slots = new ArrayList<>();

    Group(String key, VelocityModel model) {
        this.key = key;
        this.model = model;
    }
}
