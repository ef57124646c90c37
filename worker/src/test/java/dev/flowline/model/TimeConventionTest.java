package dev.flowline.model;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TimeConventionTest {
    @Test
    void flowlineConventionIsTheIdentity() {
        assertThat(TimeConvention.FLOWLINE.isIdentity()).isTrue();
        assertThat(TimeConvention.FLOWLINE.toModelTime(0.3f)).isEqualTo(0.3f);
        assertThat(TimeConvention.FLOWLINE.velocitySign()).isEqualTo(1f);
    }

    @Test
    void dataToNoiseWithScale1000MapsNoiseTo1000AndDataTo0AndFlipsTheVelocity() {
        TimeConvention c = new TimeConvention(TimeConvention.Direction.DATA_TO_NOISE, 1000.0);
        assertThat(c.toModelTime(0f)).isEqualTo(1000f);
        assertThat(c.toModelTime(1f)).isEqualTo(0f);
        assertThat(c.toModelTime(0.25f)).isEqualTo(750f);
        assertThat(c.velocitySign()).isEqualTo(-1f);
        assertThat(c.isIdentity()).isFalse();
    }

    @Test
    void noiseToDataWithAScaleOnlyScalesTime() {
        TimeConvention c = new TimeConvention(TimeConvention.Direction.NOISE_TO_DATA, 1000.0);
        assertThat(c.toModelTime(0.25f)).isEqualTo(250f);
        assertThat(c.velocitySign()).isEqualTo(1f);
        assertThat(c.isIdentity()).isFalse();
    }

    @Test
    void scaleMustBePositive() {
        assertThatThrownBy(() -> new TimeConvention(TimeConvention.Direction.NOISE_TO_DATA, 0))
                .hasMessageContaining("time.scale");
    }
}
