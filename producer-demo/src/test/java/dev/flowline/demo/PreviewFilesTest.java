package dev.flowline.demo;

import dev.flowline.avro.Preview;
import dev.flowline.avro.ProgressEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PreviewFilesTest {

    private static ProgressEvent.Builder event(String jobId, int step) {
        return ProgressEvent.newBuilder().setJobId(jobId).setWorkerId("w").setTimestamp(Instant.EPOCH).setStep(step)
                .setTotalSteps(100).setSamplesDone(0).setNumSamples(1);
    }

    @Test
    void eachPreviewIsWrittenUnderASafeNameThatSortsInStepOrder(@TempDir Path dir) throws Exception {
        byte[] png10 = {(byte) 0x89, 'P', 'N', 'G', 10};
        byte[] png5 = {(byte) 0x89, 'P', 'N', 'G', 5};
        PreviewFiles.write(dir, event("a/b", 10).setPreview(Preview.newBuilder().setSampleIndex(0).setT(0.1)
                .setPng(ByteBuffer.wrap(png10)).build()).build());
        Path five = PreviewFiles.write(dir, event("a/b", 5).setPreview(Preview.newBuilder().setSampleIndex(0).setT(0.05)
                .setPng(ByteBuffer.wrap(png5)).build()).build());

        try (var files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertThat(names).containsExactly("a_b-preview-s00005-i0.png", "a_b-preview-s00010-i0.png");
        }
        assertThat(Files.readAllBytes(five)).isEqualTo(png5);
    }

    @Test
    void anEventWithoutPreviewWritesNothing(@TempDir Path dir) throws Exception {
        assertThat(PreviewFiles.write(dir.resolve("sub"), event("j", 3).build())).isNull();
        assertThat(dir.resolve("sub")).doesNotExist();
    }
}
