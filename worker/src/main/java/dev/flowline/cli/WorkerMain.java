package dev.flowline.cli;

/** Entry point of flowline-worker.jar. */
public final class WorkerMain {
    private WorkerMain() {}

    public static void main(String[] args) {
        System.out.println("flowline-worker: not yet implemented");
    }
}
