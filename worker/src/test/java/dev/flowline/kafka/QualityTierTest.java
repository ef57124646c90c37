package dev.flowline.kafka;

import dev.flowline.avro.Conditioning;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.OutputFormat;
import dev.flowline.avro.SamplerSpec;
import dev.flowline.avro.SamplerUsed;
import dev.flowline.batching.BatchingMode;
import dev.flowline.batching.Job;
import dev.flowline.batching.JobOutcome;
import dev.flowline.batching.JobStatus;
import dev.flowline.batching.ModelProvider;
import dev.flowline.batching.SchedulerListener;
import dev.flowline.batching.SchedulerOptions;
import dev.flowline.batching.SimulatedDevice;
import dev.flowline.batching.StepChoice;
import dev.flowline.config.LimitOptions;
import dev.flowline.model.AnalyticGaussianModel;
import dev.flowline.model.ManifestReader;
import dev.flowline.model.ModelInfo;
import dev.flowline.schema.MessageCodec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Quality tiers from the intake to the result, with the real built-in {@code fashion-mnist} manifest (its tiers,
 * learned solvers and grids; no weights: a closed-form field of the same shape stands in for the network on the
 * simulated device, whose virtual clock makes every choice exact).
 */
class QualityTierTest {
    private static final long MS = 1_000_000L;
    private static final ModelInfo MNIST = ManifestReader.read(Path.of("src/main/resources/models/fashion-mnist/flowline-model.json")).info();
    private static final ModelInfo GAUSS = AnalyticGaussianModel.builder().optName("gauss").optSampleShape(1, 4, 4).optNumClasses(3).build().info();
    private static final RecordRef REF = new RecordRef(new TopicPartition("jobs", 0), 1, 1, "job", 1_000);
    /** Rows cost the same batched or not (a CPU): 20 µs per call + 1 ms per row. */
    private static final SimulatedDevice.CostModel CPU_LIKE = SimulatedDevice.CostModel.linear(20_000, 1_000_000);

    private static JobFactory factory(LimitOptions limits) {
        return new JobFactory(new JobFactory.ModelCatalog() {
            @Override
            public Optional<ModelInfo> info(String name) {
                return List.of(MNIST, GAUSS).stream().filter(m -> m.name().equals(name)).findFirst();
            }

            @Override
            public Collection<String> names() {
                return List.of("fashion-mnist", "gauss");
            }
        }, limits);
    }

    private final JobFactory factory = factory(new LimitOptions(8, 100, 400, 64, 1_000_000));

    /** Two guided samples of class 7 from tier {@code fast}, as a client would ask. */
    private static GenerationRequest.Builder fast(String id) {
        return GenerationRequest.newBuilder().setJobId(id).setModel("fashion-mnist").setNumSamples(2).setSeed(42)
                .setOutputFormat(OutputFormat.PNG)
                .setConditioning(Conditioning.newBuilder().setClassLabel(7).build())
                .setSampler(SamplerSpec.newBuilder().setTier("fast").setGuidanceScale(2.0).build());
    }

    private static GenerationRequest with(Consumer<SamplerSpec.Builder> change) {
        SamplerSpec.Builder s = SamplerSpec.newBuilder().setTier("fast").setGuidanceScale(2.0);
        change.accept(s);
        return fast("j").setSampler(s.build()).build();
    }

    private void assertTierError(GenerationRequest r, String... messageParts) {
        assertThatThrownBy(() -> factory.create(r, REF))
                .isInstanceOf(InvalidJobException.class)
                .hasMessageStartingWith("sampler.tier: ")
                .hasMessageContainingAll(messageParts)
                .satisfies(e -> assertThat(((InvalidJobException) e).errorCode()).isEqualTo("INVALID_FIELD"));
    }

    @Test
    void aTierJobOffersTheSchedulerTheTiersSamplersCheapestFirstAndRunsTheDearestUntilItChooses() throws Exception {
        Decoded.Valid v = factory.create(fast("j").build(), REF);
        StepChoice choice = v.job().stepChoice();
        assertThat(choice.size()).isEqualTo(2);
        assertThat(choice.candidate().apply(0)).isEqualTo(new StepChoice.Candidate("bespoke", 2, "bespoke-euler-2", 2));
        assertThat(choice.candidate().apply(1)).isEqualTo(new StepChoice.Candidate("bespoke", 2, "bespoke-midpoint-2", 4));
        assertThat(choice.samplesFor().apply(0)).hasSize(2).allSatisfy(s -> assertThat(s.totalSteps()).isEqualTo(2));
        assertThat(v.job().samples()).hasSize(2);
        assertThat(v.job().evaluationsPerSample()).isEqualTo(4);
        assertThat(v.ticket().sampler()).isEqualTo(new SamplerChoice("bespoke", 2, "bespoke-midpoint-2"));
        assertThat(v.ticket().sampler().chosen(choice.candidate().apply(0))).isEqualTo(new SamplerChoice("bespoke", 2, "bespoke-euler-2"));

        StepChoice standard = factory.create(with(s -> s.setTier("standard")), REF).job().stepChoice();
        assertThat(standard.largest()).isEqualTo(new StepChoice.Candidate("bespoke", 4, "bespoke-midpoint-4", 8));
        assertThat(factory.create(with(s -> s.setTier("best")), REF).job().stepChoice().size()).isOne();
    }

    @Test
    void aTierWithAnyFieldThatAlsoChoosesTheSamplerIsRejectedNamingTheTier() {
        assertTierError(with(s -> s.setSteps(2)), "sampler.steps");
        assertTierError(with(s -> s.setMinSteps(2).setMaxSteps(4)), "sampler.minSteps", "sampler.maxSteps");
        assertTierError(with(s -> s.setNfeBudget(4)), "sampler.nfeBudget");
        assertTierError(with(s -> s.setTimes(List.of(0.0, 0.5, 1.0))), "sampler.times");
        assertTierError(with(s -> s.setSolver("midpoint")), "sampler.solver");
        assertTierError(with(s -> s.setSchedule("boss-heun-4")), "sampler.schedule");
        assertTierError(with(s -> s.setScheduleParams(Map.of("shift", 2.0))), "sampler.scheduleParams");
        assertTierError(with(s -> s.setSolverParams(Map.of("rtol", 1e-3))), "sampler.solverParams");
    }

    @Test
    void anUnknownTierIsRejectedListingTheModelsTiers() {
        assertTierError(with(s -> s.setTier("ultra")), "'ultra'", "[fast, standard, best]");
        assertTierError(fast("j").setModel("gauss").setConditioning(null)
                .setSampler(SamplerSpec.newBuilder().setTier("fast").build()).build(), "model 'gauss' maps no quality tiers");
    }

    @Test
    void aCandidateTheWorkersLimitsRefuseIsTheTiersErrorAndAFaultOfTheJobsOwnFieldsIsThatFields() {
        assertThatThrownBy(() -> factory(new LimitOptions(8, 100, 3, 64, 1_000_000)).create(fast("j").build(), REF))
                .isInstanceOf(InvalidJobException.class).hasMessageStartingWith("sampler.tier: tier 'fast' runs bespoke-midpoint-2");
        assertThatThrownBy(() -> factory.create(fast("j").setConditioning(null).build(), REF)) // guidance needs a class
                .isInstanceOf(InvalidJobException.class).hasMessageStartingWith("sampler.guidanceScale: ");
    }

    /** The real scheduler on a virtual clock, with a closed-form field standing in for the network. */
    private final class Device {
        final Map<String, JobOutcome> outcomes = new HashMap<>();
        final SimulatedDevice sim;

        Device(long latencyTargetMillis) {
            // the fashion-mnist shape and classes (null class 10, for guidance), in closed form
            AnalyticGaussianModel model = AnalyticGaussianModel.builder().optName("fashion-mnist").optSampleShape(1, 28, 28)
                    .optNumClasses(10).build();
            SchedulerListener listener = outcome -> outcomes.put(outcome.job().jobId(), outcome);
            sim = new SimulatedDevice(SchedulerOptions.defaults().withMode(BatchingMode.CONTINUOUS).withMaxDelayMicros(0)
                    .withLatencyTargetMillis(latencyTargetMillis), ModelProvider.of(model), CPU_LIKE, listener);
            // the device's cost learned from a few small calls, as a worker that has served a while knows it
            for (int i = 0; i < 10; i++) sim.submitAt(0, job(bulk("warm-" + i, 1)));
            sim.submitAt(50 * MS, job(bulk("warm-alone", 1)));
            sim.run(100 * MS);
        }

        JobOutcome run(long atNanos, GenerationRequest r) {
            sim.submitAt(atNanos, job(r));
            sim.run(Long.MAX_VALUE);
            return outcomes.get(r.getJobId());
        }
    }

    private Job job(GenerationRequest r) {
        try {
            return factory.create(r, REF).job();
        } catch (InvalidJobException e) {
            throw new AssertionError(e);
        }
    }

    /** An unguided one-sample Euler job of {@code steps} steps: one row a step. */
    private static GenerationRequest bulk(String id, int steps) {
        return GenerationRequest.newBuilder().setJobId(id).setModel("fashion-mnist").setNumSamples(1).setSeed(id.hashCode())
                .setOutputFormat(OutputFormat.RAW_FLOAT32).setSampler(SamplerSpec.newBuilder().setSolver("euler").setSteps(steps).build())
                .build();
    }

    private static GenerationResult result(JobOutcome o) {
        return new ResultBuilder(MessageCodec.standard(), "w", 1_000_000).build(o, JobTicket.of(o.job()), 0).result();
    }

    @Test
    void endToEndTheTierRunsItsDearestSamplerWhenLightItsCheapestWhenOverloadedAndSamplerUsedReplaysBitForBit() {
        JobOutcome light = new Device(100).run(100 * MS, fast("light").build()); // 4 calls of 4 rows, about 16 ms
        Device busy = new Device(100);
        for (int i = 0; i < 20; i++) busy.sim.submitAt(100 * MS, job(bulk("bulk-" + i, 50))); // 1,000 rows (a second) ahead
        JobOutcome overloaded = busy.run(101 * MS, fast("overloaded").build());

        assertThat(List.of(light, overloaded)).allSatisfy(o -> assertThat(o.status()).isEqualTo(JobStatus.SUCCEEDED));
        assertThat(light.nfe()).isEqualTo(4); // evaluations per sample
        assertThat(overloaded.nfe()).isEqualTo(2);
        SamplerUsed lightUsed = result(light).getSamplerUsed();
        SamplerUsed overloadedUsed = result(overloaded).getSamplerUsed();
        assertThat(lightUsed).isEqualTo(SamplerUsed.newBuilder().setSolver("bespoke").setSteps(2).setSchedule("bespoke-midpoint-2").build());
        assertThat(overloadedUsed).isEqualTo(SamplerUsed.newBuilder().setSolver("bespoke").setSteps(2).setSchedule("bespoke-euler-2").build());

        // A job asking for exactly samplerUsed, alone on an idle device, gives the same bytes.
        for (Map.Entry<JobOutcome, SamplerUsed> e : Map.of(light, lightUsed, overloaded, overloadedUsed).entrySet()) {
            SamplerUsed used = e.getValue();
            GenerationRequest replay = fast("replay").setSampler(SamplerSpec.newBuilder().setSolver(used.getSolver())
                    .setSteps(used.getSteps()).setSchedule(used.getSchedule()).setGuidanceScale(2.0).build()).build();
            JobOutcome again = new Device(0).run(100 * MS, replay);
            assertThat(again.job().stepChoice()).isNull();
            for (int i = 0; i < 2; i++) assertThat(again.samples().get(i)).isEqualTo(e.getKey().samples().get(i));
            assertThat(result(again).getOutputs()).isEqualTo(result(e.getKey()).getOutputs());
            assertThat(result(again).getSamplerUsed()).isEqualTo(used);
        }
        assertThat(light.samples().getFirst()).isNotEqualTo(overloaded.samples().getFirst());
    }
}
