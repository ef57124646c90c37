package dev.flowline.output;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ObjectKeysTest {

    @Test
    void keysArePrefixModelJobIdAndSampleIndexWithTheFormatsExtension() {
        assertThat(ObjectKeys.key("flowline", "fashion-mnist", "job-1", 3, "image/png")).isEqualTo("flowline/fashion-mnist/job-1/3.png");
        assertThat(ObjectKeys.key("", "m", "j", 0, "application/x-float32-le")).isEqualTo("m/j/0.f32");
        assertThat(ObjectKeys.key("a/b", "m", "j", 0, "text/plain")).isEqualTo("a/b/m/j/0.bin");
    }

    @Test
    void jobIdsCannotReachOtherKeysAndDistinctIdsGiveDistinctKeys() {
        List<String> ids = List.of("a/b", "a%2Fb", "..", ".", "a b", "é", "a_b", "a-b", "a.b", "");
        Set<String> keys = new HashSet<>();
        for (String id : ids) {
            String k = ObjectKeys.key("p", "m", id, 0, "image/png");
            assertThat(k.split("/")).as(id).hasSize(4).doesNotContain("..", ".");
            keys.add(k);
        }
        assertThat(keys).hasSize(ids.size());
    }
}
