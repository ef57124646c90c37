package dev.flowline.batching;

import dev.flowline.kafka.OutputEncoder;
import dev.flowline.model.DeviceMode;
import dev.flowline.model.ModelRegistry;
import dev.flowline.model.ModelRegistryOptions;
import dev.flowline.model.ModelRuntimeOptions;
import dev.flowline.sampling.SampleState;
import dev.flowline.sampling.Sampler;
import dev.flowline.sampling.SamplerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The decode stage on real ONNX Runtime models: the tiny-latent fixture (1x4x4 latent, decoder to 1x8x8), the tiny
 * pixel model beside it, and tiny-latent-batch2, whose decoder was exported with a fixed batch axis of 2 so that a
 * decode call of any other size genuinely fails inside ONNX Runtime, and tiny-latent-nan, whose decoder really returns
 * NaN for a latent with a negative mean (no mocks). Driven turn by turn on a manual clock.
 */
class DecodeStageTest {
    @TempDir
    static Path cache;
    private static ModelRegistry registry;

    @BeforeAll
    static void load() {
        registry = new ModelRegistry(new ModelRegistryOptions(List.of(RegistryRig.fixture("tiny"), RegistryRig.fixture("tiny-latent"),
                RegistryRig.fixture("tiny-latent-batch2"), RegistryRig.fixture("tiny-latent-nan")), false, new ModelRuntimeOptions(DeviceMode.CPU, 1, 1), Map.of(), cache));
    }

    @AfterAll
    static void close() {
        registry.close();
    }

    /** A job's request; {@link #job()} builds it afresh (sample states are consumed by a run). */
    private record Spec(String id, String model, long seed, int samples, int label) {
        Job job() {
            return DecodeStageTest.job(id, model, seed, samples, label);
        }
    }

    private static Job job(String id, String model, long seed, int samples, int label) {
        Sampler sampler = Sampler.of(SamplerConfig.builder().optSolver("heun").optSteps(4).optGuidanceScale(1.5).build(),
                registry.info(model).samplerCatalog());
        List<SampleState> states = new ArrayList<>();
        for (int i = 0; i < samples; i++) states.add(sampler.newSample(registry.info(model).dim(), seed, i, label));
        return Job.builder().setJobId(id).setModel(model).setSamples(states).build();
    }

    private static JobOutcome alone(Job job) {
        RegistryRig rig = new RegistryRig(registry);
        assertThat(rig.scheduler.offer(job)).isEqualTo(Admission.ACCEPTED);
        rig.runUntilIdle();
        return rig.listener.outcome(job.jobId());
    }

    private static byte[] png(float[] decoded) {
        return OutputEncoder.png(decoded, new OutputEncoder.ImageGeometry(1, 8, 8), -1, 1);
    }

    @Test
    void manyJobsLatentsDecodeInFewerCallsThanJobsAndEachOutputEqualsTheJobRunAlone() {
        RegistryRig rig = new RegistryRig(registry);
        int latentJobs = 12;
        List<Spec> jobs = new ArrayList<>();
        for (int j = 0; j < latentJobs; j++) jobs.add(new Spec("latent-" + j, "tiny-latent", 100 + j, 1 + j % 3, j % 3));
        for (int j = 0; j < 3; j++) jobs.add(new Spec("pixel-" + j, "tiny", 200 + j, 2, j));
        for (Spec j : jobs) assertThat(rig.scheduler.offer(j.job())).isEqualTo(Admission.ACCEPTED);
        rig.runUntilIdle();

        assertThat(rig.decodeCalls()).isNotEmpty();
        assertThat(rig.decodeCalls().size()).as("decode calls for %d latent jobs", latentJobs).isLessThan(latentJobs);
        assertThat(rig.decodeCalls().stream().mapToInt(BatchRecord::jobs).max().orElse(0)).isGreaterThan(1);
        for (Spec j : jobs) {
            JobOutcome batched = rig.listener.outcome(j.id());
            assertThat(batched.status()).as(j.id() + ": " + batched.errorMessage()).isEqualTo(JobStatus.SUCCEEDED);
            JobOutcome single = alone(j.job());
            assertThat(batched.samples()).hasSameSizeAs(single.samples());
            boolean latent = j.model().equals("tiny-latent");
            assertThat(batched.decodeCalls()).isEqualTo(latent ? 1 : 0);
            for (int i = 0; i < batched.samples().size(); i++) {
                float[] b = batched.samples().get(i);
                assertThat(b).as("%s sample %d", j.id(), i).hasSize(latent ? 64 : 16).containsExactly(single.samples().get(i));
                if (latent) {
                    assertThat(png(b)).isEqualTo(png(single.samples().get(i)));
                    for (float v : b) assertThat(v).isBetween(-1f, 1f); // tanh output: the manifest's decoder range
                }
            }
        }
        assertThat(rig.scheduler.learnedCosts()).anySatisfy(c -> {
            assertThat(c.kind()).isEqualTo(LearnedCost.DECODE);
            assertThat(c.groupKey()).startsWith("tiny-latent[1x4x4]");
            assertThat(c.calls()).isEqualTo(rig.decodeCalls().size());
        });
    }

    @Test
    void aFailingDecodeCallFailsOnlyItsOwnJobsWithDecodeError() {
        RegistryRig rig = new RegistryRig(registry);
        // 1 + 2 latents of the batch-2 model reach its decoder together: a call of 3 rows, which it cannot take
        List<Job> bad = List.of(job("bad-a", "tiny-latent-batch2", 1, 1, 0), job("bad-b", "tiny-latent-batch2", 2, 2, 1));
        List<Job> good = List.of(job("good-latent", "tiny-latent", 3, 2, 2), job("good-pixel", "tiny", 4, 2, 0));
        for (Job j : bad) rig.scheduler.offer(j);
        for (Job j : good) rig.scheduler.offer(j);
        rig.runUntilIdle();

        for (Job j : bad) {
            JobOutcome o = rig.listener.outcome(j.jobId());
            assertThat(o.status()).isEqualTo(JobStatus.FAILED);
            assertThat(o.errorCode()).isEqualTo(BatchResult.DECODE_ERROR);
            assertThat(o.errorMessage()).contains("decoder of model 'tiny-latent-batch2'").contains("batch of 3");
            assertThat(o.samples()).isEmpty();
            assertThat(o.decodeCalls()).isEqualTo(1);
        }
        for (Job j : good) {
            JobOutcome o = rig.listener.outcome(j.jobId());
            assertThat(o.status()).as(j.jobId() + ": " + o.errorMessage()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(o.samples()).hasSize(2);
        }
        assertThat(rig.listener.outcome("good-latent").samples().get(0)).hasSize(64);
        // the same model's decoder works at the one size it takes: the failure was the call's, not the model's
        JobOutcome two = alone(job("bad-alone", "tiny-latent-batch2", 2, 2, 1));
        assertThat(two.status()).as(String.valueOf(two.errorMessage())).isEqualTo(JobStatus.SUCCEEDED);
    }

    @Test
    void aNonFiniteDecodedRowFailsOnlyItsOwnJobWithNonFiniteOutput() {
        RegistryRig rig = new RegistryRig(registry);
        List<Spec> specs = new ArrayList<>();
        for (int j = 0; j < 10; j++) specs.add(new Spec("nan-" + j, "tiny-latent-nan", 300 + j, 1, j % 3));
        for (Spec j : specs) rig.scheduler.offer(j.job());
        rig.runUntilIdle();

        int failed = 0;
        for (Spec j : specs) {
            JobOutcome batched = rig.listener.outcome(j.id());
            JobOutcome single = alone(j.job());
            // whether a latent decodes to NaN is the latent's own business: in company as alone
            assertThat(batched.status()).as(j.id()).isEqualTo(single.status());
            if (batched.status() == JobStatus.FAILED) {
                failed++;
                assertThat(batched.errorCode()).isEqualTo(BatchResult.NON_FINITE_OUTPUT);
                assertThat(batched.errorMessage()).contains("decoder of model 'tiny-latent-nan'");
            } else {
                assertThat(batched.status()).isEqualTo(JobStatus.SUCCEEDED);
                assertThat(batched.samples().get(0)).containsExactly(single.samples().get(0));
            }
        }
        assertThat(failed).as("seeds chosen so that some latents have a negative mean and some not").isBetween(1, specs.size() - 1);
        assertThat(rig.decodeCalls().size()).isLessThan(specs.size());
    }

    @Test
    void aJobCancelledWhileItsLatentsWaitForTheDecoderEndsCancelledAndLeavesTheDecodeCall() {
        RegistryRig rig = new RegistryRig(registry);
        Job a = job("cancel-me", "tiny-latent", 1, 2, 0);
        Job b = job("keep-me", "tiny-latent", 2, 1, 1);
        rig.scheduler.offer(a);
        rig.scheduler.offer(b);
        // turn by turn until every latent finished integrating: they now wait in the decode group
        for (int i = 0; i < 1_000 && !(a.samples().stream().allMatch(SampleState::isFinished)
                && b.samples().stream().allMatch(SampleState::isFinished)); i++) {
            rig.scheduler.tickOnce();
        }
        assertThat(rig.decodeCalls()).isEmpty();
        assertThat(rig.listener.outcomes).isEmpty();
        assertThat(rig.scheduler.cancel("cancel-me")).isTrue();
        rig.runUntilIdle();

        assertThat(rig.listener.outcome("cancel-me").status()).isEqualTo(JobStatus.CANCELLED);
        JobOutcome kept = rig.listener.outcome("keep-me");
        assertThat(kept.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(kept.decodeCalls()).isEqualTo(1);
        assertThat(rig.decodeCalls()).singleElement().satisfies(call -> {
            assertThat(call.jobs()).isEqualTo(1);
            assertThat(call.rows()).isEqualTo(1); // the cancelled job's two latents were not decoded
        });
    }
}
