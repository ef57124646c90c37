package dev.flowline.output;

import dev.flowline.config.OutputOptions;

/** The store that {@code outputs.store} names, with S3 credentials from the AWS SDK's default provider chain. */
public final class OutputStores {
    private OutputStores() {}

    public static OutputStore create(OutputOptions options) {
        return switch (options.store()) {
            case INLINE -> InlineOutputStore.INSTANCE;
            case S3 -> S3OutputStore.create(options);
        };
    }
}
