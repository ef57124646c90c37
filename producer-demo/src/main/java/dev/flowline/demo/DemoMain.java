package dev.flowline.demo;

/** Entry point of flowline-demo.jar. */
public final class DemoMain {
    private DemoMain() {}

    public static void main(String[] args) {
        System.out.println("flowline-demo: not yet implemented");
    }
}
