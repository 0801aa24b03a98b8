package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RetryPolicyTest {
    private static final Instant FAILED_AT = Instant.parse("2026-03-01T12:00:00Z");
    private static final List<Duration> SCHEDULE = List.of(
            Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofHours(2),
            Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(14), Duration.ofHours(20), Duration.ofHours(24));

    /** nextDouble() == 0.0: the lowest jitter. */
    private static final RandomGenerator LOWEST = () -> 0L;
    /** nextDouble() == 1 - 2^-53: as high as the jitter goes. */
    private static final RandomGenerator HIGHEST = () -> -1L;
    /** nextDouble() == 0.5: no jitter. */
    private static final RandomGenerator MIDDLE = new RandomGenerator() {
        @Override
        public long nextLong() {
            throw new UnsupportedOperationException();
        }

        @Override
        public double nextDouble() {
            return 0.5;
        }
    };

    @Test
    void defaultDelays_areTheDocumentedSchedule() {
        assertThat(RetryPolicy.DEFAULT_DELAYS).isEqualTo(SCHEDULE);
        assertThat(RetryPolicy.standard(MIDDLE).maxAttempts()).isEqualTo(10);
    }

    @Test
    void next_middleDraw_isExactlyTheScheduledStep() {
        RetryPolicy policy = RetryPolicy.standard(MIDDLE);

        for (int attempt = 1; attempt <= SCHEDULE.size(); attempt++) {
            assertThat(policy.next(attempt, FAILED_AT, Optional.empty()))
                    .as("after attempt %d", attempt).contains(FAILED_AT.plus(SCHEDULE.get(attempt - 1)));
        }
    }

    @Test
    void next_lowestDraw_isEightyPercentOfEachStep() {
        RetryPolicy policy = RetryPolicy.standard(LOWEST);

        for (int attempt = 1; attempt <= SCHEDULE.size(); attempt++) {
            assertThat(delayMs(policy, attempt)).as("after attempt %d", attempt)
                    .isCloseTo(SCHEDULE.get(attempt - 1).toMillis() * 0.8, within(1.0));
        }
    }

    @Test
    void next_highestDraw_isAtMostOneHundredTwentyPercentOfEachStep() {
        RetryPolicy policy = RetryPolicy.standard(HIGHEST);

        for (int attempt = 1; attempt <= SCHEDULE.size(); attempt++) {
            long step = SCHEDULE.get(attempt - 1).toMillis();
            assertThat(delayMs(policy, attempt)).as("after attempt %d", attempt)
                    .isCloseTo(step * 1.2, within(1.0)).isLessThanOrEqualTo(step * 1.2);
        }
    }

    @Test
    void next_seededRandomOverManyDraws_staysWithinTwentyPercentAndUsesTheWholeBand() {
        RetryPolicy policy = RetryPolicy.standard(new SplittableRandom(20260301));

        for (int attempt = 1; attempt <= SCHEDULE.size(); attempt++) {
            double step = SCHEDULE.get(attempt - 1).toMillis();
            double min = Double.MAX_VALUE;
            double max = 0;
            for (int draw = 0; draw < 2_000; draw++) {
                double ratio = delayMs(policy, attempt) / step;
                min = Math.min(min, ratio);
                max = Math.max(max, ratio);
            }
            assertThat(min).as("lowest ratio after attempt %d", attempt).isBetween(0.8, 0.82);
            assertThat(max).as("highest ratio after attempt %d", attempt).isBetween(1.18, 1.2);
        }
    }

    @Test
    void next_afterTheLastStep_isEmpty() {
        RetryPolicy policy = RetryPolicy.standard(MIDDLE);

        assertThat(policy.next(9, FAILED_AT, Optional.empty())).contains(FAILED_AT.plus(Duration.ofHours(24)));
        assertThat(policy.next(10, FAILED_AT, Optional.empty())).isEmpty();
        assertThat(policy.next(10, FAILED_AT, Optional.of(Duration.ofSeconds(1)))).isEmpty();
        assertThat(policy.next(11, FAILED_AT, Optional.empty())).isEmpty();
    }

    @Test
    void next_attemptBelowOne_isEmpty() {
        assertThat(RetryPolicy.standard(MIDDLE).next(0, FAILED_AT, Optional.empty())).isEmpty();
    }

    @Test
    void next_retryAfterInsideStepAndTwiceStep_isHonouredWithoutJitter() {
        // LOWEST would take 20 % off a scheduled delay: an exact answer shows no jitter was applied.
        RetryPolicy policy = RetryPolicy.standard(LOWEST);

        assertThat(policy.next(1, FAILED_AT, Optional.of(Duration.ofSeconds(7)))).contains(FAILED_AT.plusSeconds(7));
        assertThat(policy.next(2, FAILED_AT, Optional.of(Duration.ofMinutes(8)))).contains(FAILED_AT.plus(Duration.ofMinutes(8)));
        assertThat(policy.next(1, FAILED_AT, Optional.of(Duration.ofSeconds(5)))).contains(FAILED_AT.plusSeconds(5));
        assertThat(policy.next(1, FAILED_AT, Optional.of(Duration.ofSeconds(10)))).contains(FAILED_AT.plusSeconds(10));
    }

    @Test
    void next_retryAfterShorterThanStep_waitsTheStep() {
        RetryPolicy policy = RetryPolicy.standard(HIGHEST);

        assertThat(policy.next(1, FAILED_AT, Optional.of(Duration.ZERO))).contains(FAILED_AT.plusSeconds(5));
        assertThat(policy.next(3, FAILED_AT, Optional.of(Duration.ofSeconds(1)))).contains(FAILED_AT.plus(Duration.ofMinutes(30)));
    }

    @Test
    void next_retryAfterLongerThanTwiceStep_waitsTwiceTheStep() {
        RetryPolicy policy = RetryPolicy.standard(LOWEST);

        assertThat(policy.next(1, FAILED_AT, Optional.of(Duration.ofHours(1)))).contains(FAILED_AT.plusSeconds(10));
        assertThat(policy.next(9, FAILED_AT, Optional.of(Duration.ofDays(365)))).contains(FAILED_AT.plus(Duration.ofHours(48)));
    }

    @Test
    void next_retryAfterAsHttpDate_isHonouredAndClamped() {
        RetryPolicy policy = RetryPolicy.standard(LOWEST);
        // FAILED_AT is Sunday 2026-03-01 12:00:00 UTC.
        Optional<Duration> in7Minutes = RetryAfter.parse("Sun, 01 Mar 2026 12:07:00 GMT", FAILED_AT);
        Optional<Duration> inADay = RetryAfter.parse("Mon, 02 Mar 2026 12:00:00 GMT", FAILED_AT);

        assertThat(policy.next(2, FAILED_AT, in7Minutes)).contains(FAILED_AT.plus(Duration.ofMinutes(7)));
        assertThat(policy.next(2, FAILED_AT, inADay)).contains(FAILED_AT.plus(Duration.ofMinutes(10)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"soon", "-5", "1.5", "", "Tomorrow, 12:00"})
    void next_garbageRetryAfter_followsTheJitteredSchedule(String header) {
        RetryPolicy policy = RetryPolicy.standard(LOWEST);

        assertThat(policy.next(2, FAILED_AT, RetryAfter.parse(header, FAILED_AT)))
                .contains(FAILED_AT.plus(Duration.ofMinutes(4)));
    }

    @Test
    void next_customSchedule_isFollowed() {
        RetryPolicy policy = new RetryPolicy(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2)), 0, LOWEST);

        assertThat(policy.maxAttempts()).isEqualTo(3);
        assertThat(policy.next(1, FAILED_AT, Optional.empty())).contains(FAILED_AT.plusSeconds(1));
        assertThat(policy.next(2, FAILED_AT, Optional.empty())).contains(FAILED_AT.plusSeconds(2));
        assertThat(policy.next(3, FAILED_AT, Optional.empty())).isEmpty();
    }

    private static double delayMs(RetryPolicy policy, int attempt) {
        Instant at = policy.next(attempt, FAILED_AT, Optional.empty()).orElseThrow();
        return Duration.between(FAILED_AT, at).toMillis();
    }
}
