package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 12's verdict and the latency timeline the isolation scenarios report. */
class IsolationCheckTest {
    private static final IsolationCheck CHECK = IsolationCheck.ISSUE_12;

    @Test
    void judge_withinDropAndP99Limit_nothingLost_passes() {
        IsolationCheck.Verdict v = CHECK.judge(1_000, 1_000, 910, 10, 65, 0, 0);
        assertThat(v.pass()).isTrue();
        assertThat(v.drop()).isCloseTo(0.09, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(v.p99LimitMs()).isEqualTo(65);
        assertThat(v.word()).isEqualTo("pass");
    }

    @Test
    void judge_eachBreach_failsAndSaysWhy() {
        assertThat(CHECK.judge(1_000, 1_000, 890, 10, 20, 0, 0).reason()).isEqualTo("throughput dropped 11.0 %");
        assertThat(CHECK.judge(1_000, 1_000, 1_000, 10, 65.5, 0, 0).reason()).isEqualTo("p99 65.5 ms > 65.0 ms");
        assertThat(CHECK.judge(1_000, 1_000, 1_000, 10, 20, 3, 0).reason()).isEqualTo("3 not received");
        assertThat(CHECK.judge(1_000, 1_000, 1_000, 10, 20, 0, 2).reason()).isEqualTo("2 publishes failed");
        IsolationCheck.Verdict all = CHECK.judge(1_000, 1_000, 100, 10, 53_000, 1, 0);
        assertThat(all.pass()).isFalse();
        assertThat(all.word()).startsWith("FAIL: throughput dropped 90.0 %; p99 53,000 ms > 65.0 ms; 1 not received");
    }

    @Test
    void judge_baselineBehindTheOfferedRate_isInconclusive() {
        IsolationCheck.Verdict v = CHECK.judge(1_000, 890, 900, 10, 20, 0, 0);
        assertThat(v.pass()).isFalse();
        assertThat(v.conclusive()).isFalse();
        assertThat(v.word()).isEqualTo("inconclusive: the baseline delivered 890/s of 1,000/s offered"
                + " (overloaded before any endpoint failed)");
        assertThat(CHECK.judge(1_000, 0, 1_000, 10, 20, 0, 0).conclusive()).isFalse();
        assertThat(CHECK.judge(1_000, 1_000, 1_000, Double.NaN, 20, 0, 0).conclusive()).isFalse();
    }

    @Test
    void judge_baselineP99OverOneSecond_isInconclusive() {
        IsolationCheck.Verdict v = CHECK.judge(100, 100, 100, 4_159, 620, 0, 0);
        assertThat(v.conclusive()).isFalse();
        assertThat(v.word()).isEqualTo("inconclusive: the baseline's p99 was 4,159 ms (> 1,000 ms: stalled before any"
                + " endpoint failed)");
        assertThat(CHECK.judge(100, 100, 100, 1_000, 620, 0, 0).pass()).isTrue();
    }

    @Test
    void perSecond_countsTimesBySecondFromTheStart_earlierOnesInTheFirst() {
        long s = 5_000_000_000L;
        assertThat(FailingScenario.perSecond(List.of(s - 1, s + 10, s + 999_999_999L, s + 3_200_000_000L), s))
                .containsExactly(3, 0, 0, 1);
        assertThat(FailingScenario.perSecond(List.of(), s)).isEmpty();
    }

    @Test
    void judge_noLatencyBesideTheFailing_fails() {
        IsolationCheck.Verdict v = CHECK.judge(1_000, 1_000, 1_000, 10, Double.NaN, 0, 0);
        assertThat(v.pass()).isFalse();
        assertThat(v.conclusive()).isTrue();
    }

    @Test
    void timeline_bucketsByDueTime_withMissingCounted_andEmptyBucketsBetween() {
        long start = 1_000_000_000L;
        Map<String, Long> due = new HashMap<>();
        Map<String, Long> receipt = new HashMap<>();
        // bucket 0: 2 ms and 4 ms; bucket 2: 3,000 ms and one missing; nothing due in bucket 1.
        put(due, receipt, "a", start + 100_000_000L, 2);
        put(due, receipt, "b", start + 900_000_000L, 4);
        put(due, receipt, "c", start + 2_500_000_000L, 3_000);
        due.put("d", start + 2_600_000_000L);
        List<Timeline.Bucket> t = Timeline.of(due, receipt::get, start, 1);
        assertThat(t).hasSize(3);
        assertThat(t.get(0).count()).isEqualTo(2);
        assertThat(t.get(0).maxMs()).isCloseTo(4, org.assertj.core.data.Offset.offset(0.01));
        assertThat(t.get(1).count()).isZero();
        assertThat(t.get(2).fromSeconds()).isEqualTo(2);
        assertThat(t.get(2).missing()).isEqualTo(1);
        assertThat(t.get(2).p99Ms()).isCloseTo(3_000, org.assertj.core.data.Offset.offset(3.0));
    }

    @Test
    void normalFrom_isTheStartOfTheLastRunOfNormalBuckets() {
        Timeline.Bucket ok0 = bucket(0, 5, 0);
        Timeline.Bucket slow1 = bucket(1, 900, 0);
        Timeline.Bucket empty2 = new Timeline.Bucket(2, 0, 0, Double.NaN, Double.NaN, Double.NaN);
        Timeline.Bucket ok3 = bucket(3, 20, 0);
        Timeline.Bucket lost4 = bucket(4, 5, 1);
        Timeline.Bucket ok5 = bucket(5, 5, 0);
        assertThat(Timeline.normalFrom(List.of(ok0, ok3, ok5), 65)).isZero();
        assertThat(Timeline.normalFrom(List.of(ok0, slow1, empty2, ok3, ok5), 65)).isEqualTo(3);
        assertThat(Timeline.normalFrom(List.of(ok0, ok3, lost4, ok5), 65)).isEqualTo(5);
        assertThat(Timeline.normalFrom(List.of(ok0, slow1), 65)).isNaN();
        assertThat(Timeline.normalFrom(List.of(empty2), 65)).isNaN();
    }

    @Test
    void worst_isTheHighestP99_orTheFirstBucketWithAMessageMissing() {
        assertThat(HangingBacklogScenario.worst(List.of(bucket(0, 5, 0), bucket(1, 900, 0), bucket(2, 20, 0))))
                .isEqualTo("900 (at 1)");
        assertThat(HangingBacklogScenario.worst(List.of(bucket(0, 5, 0), bucket(1, 5, 2)))).isEqualTo("2 missing (at 1)");
        assertThat(HangingBacklogScenario.worst(List.of())).isEqualTo("n/a");
    }

    @Test
    void firstSeconds_listsTheP99OfTheFirstBuckets_dashForEmpty() {
        Timeline.Bucket empty = new Timeline.Bucket(1, 0, 0, Double.NaN, Double.NaN, Double.NaN);
        List<Timeline.Bucket> t = List.of(bucket(0, 1_241, 0), empty, bucket(2, 72, 0), bucket(3, 5, 0));
        assertThat(HangingBacklogScenario.firstSeconds(t, 3)).isEqualTo("1,241 - 72");
        assertThat(HangingBacklogScenario.firstSeconds(t, 10)).isEqualTo("1,241 - 72 5");
    }

    private static Timeline.Bucket bucket(double from, double p99, long missing) {
        return new Timeline.Bucket(from, 10, missing, p99 / 2, p99, p99);
    }

    private static void put(Map<String, Long> due, Map<String, Long> receipt, String id, long dueAt, long latencyMs) {
        due.put(id, dueAt);
        receipt.put(id, dueAt + latencyMs * 1_000_000L);
    }
}
