package dev.flowline.kafka;

import dev.flowline.batching.Job;

/** What a job record turned into: a job ready to offer, or a rejection for the dead-letter topic. */
public sealed interface Decoded {
    RecordRef record();

    record Valid(RecordRef record, Job job, JobTicket ticket) implements Decoded {}

    /** A rejected record and its dead-letter record, already encoded. */
    record Invalid(RecordRef record, Rejection rejection, byte[] deadLetter) implements Decoded {}
}
