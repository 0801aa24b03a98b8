package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The arithmetic the scenarios decide with. */
class ScenarioMathTest {
    @Test
    void backlogFanout_isTheSquareRootCappedAtOneThousand() {
        assertThat(BacklogScenario.fanout(1_000_000)).isEqualTo(1_000);
        assertThat(BacklogScenario.fanout(50_000_000)).isEqualTo(1_000);
        assertThat(BacklogScenario.fanout(10_000)).isEqualTo(100);
        assertThat(BacklogScenario.fanout(1)).isEqualTo(1);
    }

    @Test
    void backlogWaves_splitEvenlyAndCoverEveryMessage() {
        List<Integer> w = BacklogScenario.waves(1_000, 1_000);
        assertThat(w).hasSize(BacklogScenario.MAX_WAVES);
        assertThat(w.stream().mapToInt(Integer::intValue).sum()).isEqualTo(1_000);
        assertThat(BacklogScenario.waves(71, 71)).containsExactly(36, 35);
        assertThat(BacklogScenario.waves(1, 5)).containsExactly(1);
        assertThat(BacklogScenario.waves(10, 10_000)).containsExactly(3, 3, 2, 2);
        assertThat(BacklogScenario.waves(3, 100_000)).containsExactly(1, 1, 1);
    }

    @Test
    void calibration_isTwoPercentOfTheBacklog_between4000And20000Deliveries() {
        assertThat(BacklogScenario.calibrationMessages(1_000_000, 1_000)).isEqualTo(20);
        assertThat(BacklogScenario.calibrationMessages(50_000_000, 1_000)).isEqualTo(20);
        assertThat(BacklogScenario.calibrationMessages(250_000, 500)).isEqualTo(10);
        assertThat(BacklogScenario.calibrationMessages(3_000, 55)).isEqualTo(73);
        assertThat(BacklogScenario.calibrationMessages(1, 1)).isEqualTo(4_000);
    }

    @Test
    void retryStep_putsEveryFailureOfTheWaveInsideRetryAftersClamp() {
        double now = 1_000;
        double due = 1_100;
        Long h = BacklogScenario.retryStep(now, 30, due);
        assertThat(h).isEqualTo(70);
        // A failure at the start of the wave and one at its expected end both ask for due − t,
        // which Herald clamps to [h, 2h]: both must already lie inside.
        for (double failedAt : new double[] {now, now + 30}) {
            assertThat(due - failedAt).isBetween((double) h, 2.0 * h);
        }
    }

    @Test
    void retryStep_tooLittleTimeLeft_isNull() {
        assertThat(BacklogScenario.retryStep(1_000, 60, 1_100)).isNull(); // 2h = 80 < 100
        assertThat(BacklogScenario.retryStep(1_000, 100, 1_100)).isNull(); // h = 0
    }

    @Test
    void isolationRate_givenWins_thenEightyPercentOfSustained_thenTheFallback() {
        assertThat(IsolationScenario.rate(300, 2_000, 800)).isEqualTo(300);
        assertThat(IsolationScenario.rate(null, 2_000, 800)).isEqualTo(1_600);
        assertThat(IsolationScenario.rate(null, 0, 800)).isEqualTo(800);
        assertThat(IsolationScenario.rate(null, null, 800)).isEqualTo(800);
    }

    @Test
    void median_ofOddAndEvenCounts() {
        assertThat(FanoutScenario.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
        assertThat(FanoutScenario.median(List.of(4.0, 1.0, 2.0, 3.0))).isEqualTo(2.5);
        assertThat(FanoutScenario.median(List.of())).isNaN();
    }

    @Test
    void maxInFlight_isOneSecondOfTheRateButAtLeast256() {
        assertThat(ThroughputScenario.maxInFlight(100)).isEqualTo(256);
        assertThat(ThroughputScenario.maxInFlight(4_000)).isEqualTo(4_000);
    }
}
