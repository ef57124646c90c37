package dev.flowline.output;

/**
 * An object written to a store and verified: what a result record carries instead of the bytes.
 *
 * @param key         the object key inside the bucket
 * @param uri         where a consumer finds it, e.g. {@code s3://bucket/prefix/model/jobId/0.png}
 * @param sizeBytes   its length
 * @param sha256      SHA-256 of its bytes, lower-case hex
 * @param contentType its content type (the sample's media type)
 */
public record StoredObject(String key, String uri, long sizeBytes, String sha256, String contentType) {}
