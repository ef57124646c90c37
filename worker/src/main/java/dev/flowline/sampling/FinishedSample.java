package dev.flowline.sampling;

/**
 * A sample that is finished before any evaluation: an image-to-image job at strength 0 starts at t = 1, where the
 * flow has nothing left to do, so its result is the encoded image itself (the scheduler hands it straight to the
 * decoder). Costs no model call.
 */
final class FinishedSample implements SampleState {
    private final float[] result;

    FinishedSample(float[] result) {
        this.result = result.clone();
    }

    @Override
    public int rowsNeeded() {
        return 0;
    }

    @Override
    public void writeRows(float[] x, float[] t, int[] labels, int row) {
        throw new IllegalStateException("the sample is finished");
    }

    @Override
    public void acceptRows(float[] v, int row) {
        throw new IllegalStateException("the sample is finished");
    }

    @Override
    public boolean isFinished() {
        return true;
    }

    @Override
    public int nfe() {
        return 0;
    }

    @Override
    public int stepsDone() {
        return 0;
    }

    @Override
    public int totalSteps() {
        return 0;
    }

    @Override
    public double time() {
        return 1.0;
    }

    @Override
    public float[] result() {
        return result.clone();
    }
}
