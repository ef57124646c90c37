package dev.flowline.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** What a benchmark ran on, written beside its figures: absolute numbers mean little without it. */
public final class MachineInfo {
    private MachineInfo() {}

    public static Map<String, Object> describe(String engine, String device) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("jdk", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.put("max_heap_mb", Runtime.getRuntime().maxMemory() / (1024 * 1024));
        m.put("engine", engine);
        m.put("device", device);
        return m;
    }
}
