package dev.flowline.batching;

import dev.flowline.avro.Conditioning;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.OutputFormat;
import dev.flowline.avro.SamplerSpec;
import dev.flowline.config.LimitOptions;
import dev.flowline.kafka.InvalidJobException;
import dev.flowline.kafka.JobFactory;
import dev.flowline.kafka.JobTicket;
import dev.flowline.kafka.OutputEncoder;
import dev.flowline.kafka.PreviewEncoder;
import dev.flowline.kafka.RecordRef;
import dev.flowline.kafka.RegistryCatalog;
import dev.flowline.model.DeviceMode;
import dev.flowline.model.LatentDecoder;
import dev.flowline.model.ModelRegistry;
import dev.flowline.model.ModelRegistryOptions;
import dev.flowline.model.ModelRuntimeOptions;
import dev.flowline.model.VelocityModel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Previews of latent models decoded through the model's decoder in the batched decode stage, on the built-in
 * fashion-mnist-latent (4x7x7 latents, real ONNX decoder to 1x28x28) beside the built-in pixel model fashion-mnist,
 * jobs built by the worker's {@link JobFactory}, turned by hand on a manual clock ({@link RegistryRig}). The failure
 * case uses the tiny-latent-batch2 fixture, whose decoder really fails on a call of other than 2 rows (no mocks).
 */
class LatentPreviewTest {
    private static final String LATENT = "fashion-mnist-latent";
    private static final String PIXEL = "fashion-mnist";
    /** tiny-latent whose decoder was exported with a fixed batch axis of 2: a call of any other size really fails. */
    private static final String BATCH2 = "tiny-latent-batch2";
    private static final RecordRef REF = new RecordRef(new TopicPartition("jobs", 0), 1, 0, "k", 0);

    @TempDir
    static Path cache;
    private static ModelRegistry registry;
    private static JobFactory factory;

    @BeforeAll
    static void load() {
        registry = new ModelRegistry(new ModelRegistryOptions(List.of(RegistryRig.fixture(BATCH2)), true,
                new ModelRuntimeOptions(DeviceMode.CPU, 1, 1), Map.of(), cache));
        factory = new JobFactory(new RegistryCatalog(registry), new LimitOptions(8, 100, 400, 1024, 1_000_000));
    }

    @AfterAll
    static void close() {
        registry.close();
    }

    private static GenerationRequest request(String id, String model, long seed, int label, String solver, int steps,
                                             int samples, int previewEvery) {
        return GenerationRequest.newBuilder().setJobId(id).setModel(model).setNumSamples(samples).setSeed(seed)
                .setConditioning(Conditioning.newBuilder().setClassLabel(label).build())
                .setSampler(SamplerSpec.newBuilder().setSolver(solver).setSteps(steps).setGuidanceScale(2.0).build())
                .setOutputFormat(OutputFormat.PNG).setProgress(true).setPreviewEvery(previewEvery).build();
    }

    private static Job job(GenerationRequest req) throws InvalidJobException {
        return factory.create(req, REF).job();
    }

    private static List<SamplePreview> previews(RegistryRig rig, String id) {
        return rig.listener.previews.stream().filter(p -> p.job().jobId().equals(id)).toList();
    }

    /** The steps of the job's progress and preview events, in the order the listener heard them. */
    private static List<Integer> eventSteps(RegistryRig rig, String id) {
        return rig.listener.steps.stream().filter(e -> e.split(":")[1].equals(id))
                .map(e -> Integer.parseInt(e.split(":")[2])).toList();
    }

    /** A rig whose scheduler knows the latent model's velocity model but not its decoder: previews as before, raw latents. */
    private static RegistryRig withoutDecoders() {
        return new RegistryRig(new ModelProvider() {
            @Override
            public Optional<VelocityModel> find(String name) {
                return Optional.of(registry.get(name));
            }
        });
    }

    /** The PNG of a preview exactly as the Kafka edge encodes it (the ticket's geometry and value range), read back. */
    private static BufferedImage previewPng(Job job, SamplePreview p) throws IOException {
        JobTicket t = JobTicket.of(job);
        byte[] png = PreviewEncoder.png(p.estimate(), t.preview(), t.valueLow(), t.valueHigh());
        assertThat(png).as("within the size bound").isNotNull();
        assertThat(png.length).isLessThanOrEqualTo(PreviewEncoder.MAX_BYTES);
        return ImageIO.read(new ByteArrayInputStream(png));
    }

    @Test
    void aLatentJobsPreviewsAreItsEstimatesDecodedInStepOrderAndTheLastIsItsDecodedOutput() throws Exception {
        GenerationRequest req = request("latent", LATENT, 11, 3, "heun", 8, 2, 2);
        assertThat(factory.create(req, REF).ticket().preview()).as("decoded previews: the decoder's images")
                .isEqualTo(new OutputEncoder.ImageGeometry(1, 28, 28));
        Job job = job(req);
        RegistryRig rig = new RegistryRig(registry);
        JobOutcome out = rig.runAllSucceeding(List.of(job)).get("latent");

        List<SamplePreview> ps = previews(rig, "latent");
        // sample 0 finishes before its job (its decode follows), so the last step has a preview too
        assertThat(ps).extracting(SamplePreview::step).containsExactly(2, 4, 6, 8);
        assertThat(ps).extracting(SamplePreview::t).containsExactly(0.25, 0.5, 0.75, 1.0);
        for (SamplePreview p : ps) {
            assertThat(p.estimate()).as("step %d: decoded, not the 4x7x7 latent", p.step()).hasSize(28 * 28);
            BufferedImage img = previewPng(job, p);
            assertThat(img.getWidth()).isEqualTo(28);
            assertThat(img.getHeight()).isEqualTo(28);
        }
        // at the last step the estimate is the finished latent, answered by sample 0's own final decode
        SamplePreview last = ps.getLast();
        assertThat(last.estimate()).containsExactly(out.samples().get(0));
        OutputEncoder.ImageGeometry image = new OutputEncoder.ImageGeometry(1, 28, 28);
        assertThat(PreviewEncoder.png(last.estimate(), image, -1, 1)).isEqualTo(OutputEncoder.png(out.samples().get(0), image, -1, 1));
        // progress and previews go out in step order, each preview after its step's progress
        List<Integer> steps = eventSteps(rig, "latent");
        assertThat(steps).isSorted();
        assertThat(rig.listener.steps).contains("progress:latent:2", "preview:latent:2");
        assertThat(rig.listener.steps.indexOf("progress:latent:2")).isLessThan(rig.listener.steps.indexOf("preview:latent:2"));

        // the earlier previews are the estimates as they were previewed before (undecoded), each decoded alone
        RegistryRig raw = withoutDecoders();
        raw.runAllSucceeding(List.of(job(req)));
        List<SamplePreview> latents = previews(raw, "latent");
        assertThat(latents).extracting(SamplePreview::step).containsExactly(2, 4, 6);
        LatentDecoder decoder = registry.decoder(LATENT).orElseThrow();
        for (int i = 0; i < latents.size(); i++) {
            assertThat(latents.get(i).estimate()).hasSize(4 * 7 * 7);
            float[] decoded = new float[decoder.outputDim()];
            decoder.run(1, latents.get(i).estimate(), decoded);
            assertThat(ps.get(i).estimate()).as("step %d", ps.get(i).step()).containsExactly(decoded);
        }

        // preview decodes are decode calls: counted in the job's decodeCalls and in the decode calls' BatchRecords
        assertThat(rig.decodeCalls().stream().mapToInt(BatchRecord::previewRows).sum()).as("steps 2, 4, 6").isEqualTo(3);
        assertThat(rig.decodeCalls().stream().mapToInt(BatchRecord::previewsDropped).sum()).isZero();
        assertThat(out.decodeCalls()).as("one job alone rides every decode call").isEqualTo(rig.decodeCalls().size()).isGreaterThan(1);
    }

    @Test
    void manyLatentJobsShareTheirPreviewDecodesAndAPixelJobsPreviewsAreUnchanged() throws Exception {
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int j = 0; j < 6; j++) reqs.add(request("latent-" + j, LATENT, 100 + j, j, "euler", 6, 1 + j % 2, 2));
        GenerationRequest pixel = request("pixel", PIXEL, 7, 1, "euler", 6, 1, 2);
        reqs.add(pixel);
        List<Job> jobs = new ArrayList<>();
        for (GenerationRequest r : reqs) jobs.add(job(r));
        RegistryRig rig = new RegistryRig(registry);
        Map<String, JobOutcome> outs = rig.runAllSucceeding(jobs);

        for (int j = 0; j < 6; j++) {
            String id = "latent-" + j;
            List<SamplePreview> ps = previews(rig, id);
            assertThat(ps).as(id).extracting(SamplePreview::step).containsExactly(2, 4, 6);
            for (SamplePreview p : ps) assertThat(previewPng(jobs.get(j), p).getWidth()).isEqualTo(28);
            assertThat(ps.getLast().estimate()).containsExactly(outs.get(id).samples().get(0));
            assertThat(eventSteps(rig, id)).as(id).isSorted();
        }
        assertThat(rig.decodeCalls()).as("some decode call decoded previews of several jobs")
                .anySatisfy(c -> assertThat(c.previewRows()).isGreaterThan(1));
        assertThat(rig.decodeCalls().stream().mapToInt(BatchRecord::previewRows).sum()).as("6 jobs x steps 2 and 4").isEqualTo(12);
        assertThat(rig.decodeCalls().size()).as("fewer calls than rows decoded").isLessThan(12 + 9);

        // the pixel job: raw previews as ever (no decoder, none at its last step), bit for bit as when it runs alone
        List<SamplePreview> px = previews(rig, "pixel");
        assertThat(px).extracting(SamplePreview::step).containsExactly(2, 4);
        assertThat(outs.get("pixel").decodeCalls()).isZero();
        RegistryRig alone = new RegistryRig(registry);
        alone.runAllSucceeding(List.of(job(pixel)));
        List<SamplePreview> px1 = previews(alone, "pixel");
        assertThat(px1).hasSameSizeAs(px);
        for (int i = 0; i < px.size(); i++) {
            assertThat(px.get(i).estimate()).hasSize(28 * 28).containsExactly(px1.get(i).estimate());
            assertThat(previewPng(jobs.getLast(), px.get(i)).getWidth()).isEqualTo(28);
        }
        assertThat(alone.decodeCalls()).isEmpty();
    }

    @Test
    void aCancelledLatentJobGetsNoPreviewAfterItsEnd() throws Exception {
        Job c = job(request("c", LATENT, 5, 2, "euler", 20, 1, 1));
        Job other = job(request("other", LATENT, 6, 4, "euler", 20, 1, 1));
        RegistryRig rig = new RegistryRig(registry);
        rig.scheduler.offer(c);
        rig.scheduler.offer(other);
        for (int i = 0; i < 1_000 && previews(rig, "c").size() < 2; i++) rig.scheduler.tickOnce();
        assertThat(previews(rig, "c")).hasSize(2);
        // a velocity call: both jobs' next estimates now wait in the decode group
        while (rig.listener.batches.getLast().isDecode()) rig.scheduler.tickOnce();
        int before = previews(rig, "c").size();
        assertThat(rig.scheduler.cancel("c")).isTrue();
        rig.runUntilIdle();

        assertThat(rig.listener.outcome("c").status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(previews(rig, "c")).hasSize(before);
        List<String> log = rig.listener.log;
        assertThat(log.subList(log.indexOf("completed:c"), log.size())).noneMatch(e -> e.startsWith("preview:c:"));
        assertThat(rig.listener.outcome("other").status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(previews(rig, "other")).extracting(SamplePreview::step).containsExactly(
                java.util.stream.IntStream.rangeClosed(1, 20).boxed().toArray(Integer[]::new));
        assertThat(eventSteps(rig, "other")).isSorted();
    }

    @Test
    void aPreviewWhoseDecodeFailsIsDroppedAndCountedAndItsJobGoesOn() throws Exception {
        // tiny-latent-batch2's decoder takes exactly 2 rows a call: the 2 finished latents of this job decode, while its
        // preview at step 2, decoded alone in the call after the next velocity call, really fails inside ONNX Runtime
        Job job = job(request("b2", BATCH2, 3, 1, "euler", 4, 2, 2));
        RegistryRig rig = new RegistryRig(registry);
        JobOutcome out = rig.runAllSucceeding(List.of(job)).get("b2");

        assertThat(rig.decodeCalls()).extracting(BatchRecord::rows).containsExactly(1, 2);
        assertThat(rig.decodeCalls()).extracting(BatchRecord::previewRows).containsExactly(1, 0);
        assertThat(rig.decodeCalls()).extracting(BatchRecord::previewsDropped).containsExactly(1, 0);
        // the step-2 preview is dropped; the last step's, answered by the final decode, still goes out
        assertThat(previews(rig, "b2")).extracting(SamplePreview::step).containsExactly(4);
        assertThat(previews(rig, "b2").getFirst().estimate()).hasSize(64).containsExactly(out.samples().get(0));
        assertThat(out.decodeCalls()).as("the failed preview call counts as a decode call of the job").isEqualTo(2);
        assertThat(eventSteps(rig, "b2")).isSorted().contains(2, 3);
    }
}
