package dev.flowline.kafka;

import dev.flowline.avro.OutputFormat;
import dev.flowline.batching.Job;

import java.util.Map;

/**
 * What the Kafka side needs back when a job ends: the record to mark done and how to build its result. Carried
 * through the scheduler as the job's {@link Job.Origin}; {@link #of(Job)} takes it back.
 *
 * @param record     the job's record
 * @param jobId      the job id (the result's key)
 * @param model      the model's registry name
 * @param format     output encoding asked for
 * @param shape      sample shape
 * @param image      how a sample maps to a PNG (null unless the format is PNG)
 * @param valueLow   data value mapped to 0 in PNGs
 * @param valueHigh  data value mapped to 255 in PNGs
 * @param numSamples samples asked for
 * @param metadata   the request's metadata, echoed in the result
 * @param sampler    the sampler as resolved at intake, reported as the result's samplerUsed
 * @param preview    the image geometry of the job's previews; null when it asked for none
 */
public record JobTicket(RecordRef record, String jobId, String model, OutputFormat format, int[] shape,
                        OutputEncoder.ImageGeometry image,
                        double valueLow, double valueHigh, int numSamples, Map<String, String> metadata,
                        SamplerChoice sampler, OutputEncoder.ImageGeometry preview) implements Job.Origin {

    /** A ticket of a job without previews. */
    public JobTicket(RecordRef record, String jobId, String model, OutputFormat format, int[] shape,
                     OutputEncoder.ImageGeometry image, double valueLow, double valueHigh, int numSamples,
                     Map<String, String> metadata, SamplerChoice sampler) {
        this(record, jobId, model, format, shape, image, valueLow, valueHigh, numSamples, metadata, sampler, null);
    }

    /**
     * The ticket of a job this edge built ({@link JobFactory} gives every job its ticket as its origin). The worker's
     * scheduler holds no other jobs, so a job without one is a wiring error, reported as such rather than skipped.
     */
    public static JobTicket of(Job job) {
        if (job.origin() instanceof JobTicket t) return t;
        throw new IllegalStateException("job " + job.jobId() + " was not built by the Kafka edge (origin " + job.origin() + ")");
    }

    public JobTicket {
        shape = shape.clone();
        metadata = Map.copyOf(metadata);
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }
}
