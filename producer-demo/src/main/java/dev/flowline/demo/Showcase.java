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
    /**
     * One column of the contact sheet.
     *
     * @param model    the model of the column, or {@code null} for the showcased model
     * @param solver   the solver; {@code bespoke} needs the model to ship one with {@code steps} steps
     * @param guidance the guidance weight, or NaN for the model's default
     */
    record Column(String label, String model, String solver, Integer steps, String schedule, double guidance) {
        Column(String label, String solver, Integer steps, double guidance) {
            this(label, null, solver, steps, null, guidance);
        }

        Column(String label, String model, String solver, Integer steps, double guidance) {
            this(label, model, solver, steps, null, guidance);
        }
    }

    /** The few-step flow-map model distilled from the showcased one; its column is left out where it is missing. */
    static final String FLOW_MAP_MODEL = "fashion-mnist-flowmap";
    /** The latent model (velocity in a 4x7x7 latent, decoded to 28x28 by the worker); left out where it is missing. */
    static final String LATENT_MODEL = "fashion-mnist-latent";

    static final List<Column> COLUMNS = List.of(
            new Column("Euler, 4 steps", "euler", 4, 1.0),
            // Heun on the grid optimised for it: on the uniform grid its last stage, at the data end t = 1 where the
            // field is stiff, leaves speckle (see the README's quality section).
            new Column("Heun, 4 steps, BOSS grid, w=%s", null, "heun", 4, "boss-heun-4", Double.NaN),
            new Column("RK4, 16 steps, w=%s", "rk4", 16, Double.NaN),
            new Column("Dopri5 (adaptive), w=%s", "dopri5", null, Double.NaN),
            new Column("Bespoke, 4 NFE, w=%s", "bespoke", 2, Double.NaN),
            new Column("Flow map, 1 step", FLOW_MAP_MODEL, "flowmap", 1, 1.0),
            new Column("Flow map, 2 steps", FLOW_MAP_MODEL, "flowmap", 2, 1.0),
            new Column("Latent, Heun 8 steps, w=%s", LATENT_MODEL, "heun", 8, Double.NaN));

    /** The columns whose model the worker serves (and, for bespoke, whose model ships learned solvers). */
    static List<Column> columns(java.util.function.Predicate<Column> available) {
        return COLUMNS.stream().filter(available).toList();
    }

    /** A job and where it goes on the sheet. */
    record ShowJob(GenerationRequest request, int classIndex, String column) {}

    static List<ShowJob> jobs(String model, List<String> classNames, double guidance, int samplesPerCell, List<Column> columns) {
        List<ShowJob> jobs = new ArrayList<>();
        for (int c = 0; c < classNames.size(); c++) {
            for (Column col : columns) {
                double w = Double.isNaN(col.guidance()) ? guidance : col.guidance();
                String label = String.format(col.label(), trim(w));
                GenerationRequest req = GenerationRequest.newBuilder()
                        .setJobId(String.format("showcase-c%d-%s%s", c, col.solver() + (col.steps() == null ? "" : col.steps()) + (w == 1.0 ? "" : "-w" + trim(w)),
                                LATENT_MODEL.equals(col.model()) ? "-latent" : ""))
                        .setModel(col.model() != null ? col.model() : model)
                        .setNumSamples(samplesPerCell)
                        .setConditioning(Conditioning.newBuilder().setClassLabel(c).build())
                        .setSampler(SamplerSpec.newBuilder().setSolver(col.solver()).setSteps(col.steps()).setSchedule(col.schedule())
                                .setGuidanceScale(w).build())
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

    /** Steps and preview interval of the quick start's live-preview job. */
    static final int PREVIEW_JOB_STEPS = 16;
    static final int PREVIEW_EVERY = 2;

    /**
     * The quick start's live-preview job: one sample of the last class, midpoint over 16 steps, a preview every 2
     * steps on the progress topic; shown as a strip in the HTML report, not on the contact sheet.
     */
    static GenerationRequest previewJob(String model, List<String> classNames, double guidance) {
        int c = classNames.size() - 1;
        return GenerationRequest.newBuilder()
                .setJobId("showcase-previews")
                .setModel(model)
                .setNumSamples(1)
                .setConditioning(Conditioning.newBuilder().setClassLabel(c).build())
                .setSampler(SamplerSpec.newBuilder().setSolver("midpoint").setSteps(PREVIEW_JOB_STEPS).setGuidanceScale(guidance).build())
                .setSeed(1000L + c)
                .setProgress(true)
                .setPreviewEvery(PREVIEW_EVERY)
                .setMetadata(Map.of("class", classNames.get(c), "column", "live previews"))
                .build();
    }

    static List<String> columnLabels(double guidance, List<Column> columns) {
        return columns.stream().map(c -> String.format(c.label(), trim(Double.isNaN(c.guidance()) ? guidance : c.guidance()))).toList();
    }

    private static String trim(double w) {
        return w == Math.rint(w) ? String.valueOf((long) w) : String.valueOf(w);
    }
}
