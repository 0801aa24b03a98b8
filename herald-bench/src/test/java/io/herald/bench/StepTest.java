package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

class StepTest {
    private static Step step(int rate, long delivered, long backlogStart, long backlogEnd) {
        return new Step(rate, 10, delivered, 0, 0, delivered, backlogStart, backlogEnd, null);
    }

    @Test
    void sustained_deliveredAt95PercentAndSmallBacklog_isSustained() {
        assertThat(step(1_000, 9_500, 0, 1_000).sustained()).isTrue();
    }

    @Test
    void sustained_deliveredJustBelow95Percent_isNot() {
        assertThat(step(1_000, 9_499, 0, 0).sustained()).isFalse();
    }

    @Test
    void sustained_backlogGrewByMoreThanOneSecondOfTheRate_isNot() {
        assertThat(step(1_000, 10_000, 0, 1_001).sustained()).isFalse();
        // Growth counts from where the step started.
        assertThat(step(1_000, 10_000, 500, 1_500).sustained()).isTrue();
        assertThat(step(1_000, 10_000, 500, 1_501).sustained()).isFalse();
    }

    @Test
    void sustained_negativeBacklogAtStart_countsAsZero() {
        // Receipts can be counted before the publish answer is: the backlog may read below zero.
        assertThat(step(1_000, 10_000, -50, 1_000).backlogGrowth()).isEqualTo(1_000);
    }

    @Test
    void highestSustained_takesTheBestSustainedStep_andPeakTakesAnyStep() {
        List<Step> steps = List.of(step(250, 2_500, 0, 0), step(500, 5_000, 0, 10), step(1_000, 7_000, 0, 3_000));
        assertThat(Step.highestSustained(steps)).contains(500);
        assertThat(Step.highestSustainedStep(steps)).containsSame(steps.get(1));
        assertThat(Step.peakDelivered(steps)).isEqualTo(700);
        assertThat(steps.get(1).sustained()).isTrue();
        assertThat(steps.get(2).sustained()).isFalse();
        assertThat(Step.line(steps)).isEqualTo("250+ 500+ 1000-");
    }

    @Test
    void highestSustained_noSustainedStep_isEmpty() {
        assertThat(Step.highestSustained(List.of(step(250, 100, 0, 2_000)))).isEmpty();
    }

    @Test
    void toMap_carriesTheVerdict() {
        assertThat(step(250, 2_500, 0, 0).toMap()).containsEntry("sustained", true).containsEntry("deliveredRate", 250.0)
                .doesNotContainKey("cost");
    }

    @Test
    void toMap_withACost_carriesItsFiguresPerMessage() {
        Cost cost = new Cost(10, 5, 2, 30_000, 10_000, 0, Map.of(), null, 2_500, 2_500, 1, 1);
        Step st = new Step(250, 10, 2_500, 0, 0, 2_500, 0, 0, cost);
        assertThat(st.toMap().get("cost")).asInstanceOf(InstanceOfAssertFactories.MAP)
                .containsEntry("heraldCpuMsPerDelivery", 2.0).containsEntry("heraldContextSwitchesPerDelivery", 12.0);
    }
}
