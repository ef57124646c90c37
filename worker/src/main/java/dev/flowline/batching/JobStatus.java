package dev.flowline.batching;

/** How a job ended inside the worker (mapped to the Avro JobStatus at the Kafka edge). */
public enum JobStatus { SUCCEEDED, FAILED, EXPIRED, CANCELLED }
