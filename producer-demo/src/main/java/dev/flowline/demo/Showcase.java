package dev.flowline.demo;

import dev.flowline.avro.Conditioning;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.SamplerSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The quick start's job set: every class of the model, each with a few samplers side by side — few steps vs. more,
 * with and without classifier-free guidance, fixed-step vs. adaptive — so the contact sheet shows what each buys.
 */
final class Showcase {
    /** One column of the contact sheet. */
    record Column(String label, String solver, Integer steps, double guidance) {}

    static final List<Column> COLUMNS = List.of(
            new Column("Euler, 4 steps", "euler", 4, 1.0),
            new Column("Heun, 8 steps", "heun", 8, 1.0),
            new Column("Heun, 8 steps, w=%s", "heun", 8, Double.NaN),
            new Column("RK4, 16 steps, w=%s", "rk4", 16, Double.NaN),
            new Column("Dopri5 (adaptive), w=%s", "dopri5", null, Double.NaN));

    /** A job and where it goes on the sheet. */
    record ShowJob(GenerationRequest request, int classIndex, String column) {}

    static List<ShowJob> jobs(String model, List<String> classNames, double guidance, int samplesPerCell) {
        List<ShowJob> jobs = new ArrayList<>();
        for (int c = 0; c < classNames.size(); c++) {
            for (int k = 0; k < COLUMNS.size(); k++) {
                Column col = COLUMNS.get(k);
                double w = Double.isNaN(col.guidance()) ? guidance : col.guidance();
                String label = String.format(col.label(), trim(w));
                GenerationRequest req = GenerationRequest.newBuilder()
                        .setJobId(String.format("showcase-c%d-%s", c, col.solver() + (col.steps() == null ? "" : col.steps()) + (w == 1.0 ? "" : "-w" + trim(w))))
                        .setModel(model)
                        .setNumSamples(samplesPerCell)
                        .setConditioning(Conditioning.newBuilder().setClassLabel(c).build())
                        .setSampler(SamplerSpec.newBuilder().setSolver(col.solver()).setSteps(col.steps()).setGuidanceScale(w).build())
                        // The same seed in every column of a row: differences between columns are the sampler's alone.
                        .setSeed(1000L + c)
                        .setProgress(false)
                        .setMetadata(Map.of("class", classNames.get(c), "column", label))
                        .build();
                jobs.add(new ShowJob(req, c, label));
            }
        }
        return jobs;
    }

    static List<String> columnLabels(double guidance) {
        return COLUMNS.stream().map(c -> String.format(c.label(), trim(Double.isNaN(c.guidance()) ? guidance : c.guidance()))).toList();
    }

    private static String trim(double w) {
        return w == Math.rint(w) ? String.valueOf((long) w) : String.valueOf(w);
    }
}
