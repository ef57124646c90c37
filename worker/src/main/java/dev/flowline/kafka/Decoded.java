package dev.flowline.kafka;

import dev.flowline.batching.Job;

/** What a job record turned into: a job ready to offer, or a rejection for the dead-letter topic. */
public sealed interface Decoded {
    RecordRef record();

    /**
     * A job ready to offer.
     *
     * @param value the record's original bytes, kept until the job is admitted so that a late rejection (a duplicate
     *              job id, a model the scheduler does not have) still dead-letters them; null when not known
     */
    record Valid(RecordRef record, Job job, JobTicket ticket, byte[] value) implements Decoded {
        public Valid(RecordRef record, Job job, JobTicket ticket) {
            this(record, job, ticket, null);
        }

        /** This job with its record's original bytes. */
        public Valid withValue(byte[] originalValue) {
            return new Valid(record, job, ticket, originalValue);
        }
    }

    /** A rejected record and its dead-letter record, already encoded. */
    record Invalid(RecordRef record, Rejection rejection, byte[] deadLetter) implements Decoded {}
}
