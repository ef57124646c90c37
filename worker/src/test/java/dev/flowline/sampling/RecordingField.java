package dev.flowline.sampling;

import java.util.ArrayList;
import java.util.List;

/** Wraps a field and records every call: rows per call and each row's (t, label). */
final class RecordingField implements VelocityField {

    record Row(float t, int label) {
    }

    private final VelocityField inner;
    final List<Integer> rowsPerCall = new ArrayList<>();
    final List<Row> rows = new ArrayList<>();

    RecordingField(VelocityField inner) {
        this.inner = inner;
    }

    @Override
    public void velocity(int n, float[] x, float[] t, int[] labels, float[] out) {
        rowsPerCall.add(n);
        for (int r = 0; r < n; r++) rows.add(new Row(t[r], labels[r]));
        inner.velocity(n, x, t, labels, out);
    }

    long totalRows() {
        return rows.size();
    }
}
