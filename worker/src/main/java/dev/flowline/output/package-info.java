/**
 * Output stores: where a result's samples go when they do not belong in the Kafka record (the claim-check pattern).
 * {@link dev.flowline.output.OutputStore} is the interface ({@link dev.flowline.output.InlineOutputStore}: none, the
 * default; {@link dev.flowline.output.S3OutputStore}: any S3-compatible store through the AWS SDK's async client);
 * {@link dev.flowline.output.OutputOffloader} decides per result, writes every object with bounded retries, verifies
 * what the store received, and keeps the store's health and metrics. Everything here returns futures and never
 * blocks the caller's thread; it knows nothing of Kafka, Avro or Vert.x.
 */
package dev.flowline.output;
