package dev.flowline.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A short chaos run: a broker process and three worker processes (JVMs started from this test's classpath); while
 * jobs flow, one worker is SIGKILLed, one SIGTERMed (it must drain and exit 0) and the broker is restarted on the
 * same data; poison records are mixed in. No job may be lost; replays must give byte-identical results.
 */
class ChaosRunTest {
    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void noJobIsLostUnderCrashesBrokerRestartAndPoison() throws Exception {
        ChaosRun.Settings s = new ChaosRun.Settings(300, 9, 3, 40, 4, 3000, Duration.ofSeconds(200),
                ChaosRun.javaCommand(), System.getProperty("java.class.path"));
        ChaosRun.Report r = new ChaosRun(s, System.out::println).run();
        System.out.println(r.summary());
        assertThat(r.lostIds()).as("lost jobs").isEmpty();
        assertThat(r.lost()).isZero();
        assertThat(r.duplicatesIdentical()).as("duplicate results are byte-identical").isTrue();
        assertThat(r.poisonDeadLettered()).as("poison dead-lettered").isEqualTo(r.poisonSent());
        assertThat(r.sigtermExitCodes()).as("graceful stops exit 0").containsOnly(0);
        assertThat(r.lag()).as("committed offsets == log end").isZero();
        assertThat(r.sigkills()).isEqualTo(1);
        assertThat(r.brokerRestarts()).isEqualTo(1);
    }
}
