package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReceiverPauseTest {
    private static final Instant AT = Instant.parse("2026-12-01T00:00:00Z");
    private static final RetryPolicy STANDARD = RetryPolicy.standard(new Random(1));

    private static Optional<Duration> pause(int status, Long retryAfterSeconds, int attempt, RetryPolicy policy) {
        return ReceiverPause.until(status, Optional.ofNullable(retryAfterSeconds).map(Duration::ofSeconds), attempt, AT, policy)
                .map(until -> Duration.between(AT, until));
    }

    @Test
    void until_ofA429or503WithRetryAfter_isWhatTheReceiverAsked_atMostTwiceTheStep() {
        assertThat(pause(429, 3L, 1, STANDARD)).as("less than the 5 s step: as asked").contains(Duration.ofSeconds(3));
        assertThat(pause(503, 8L, 1, STANDARD)).contains(Duration.ofSeconds(8));
        assertThat(pause(429, 3_600L, 1, STANDARD)).as("twice the 5 s step at most").contains(Duration.ofSeconds(10));
        assertThat(pause(429, 3_600L, 2, STANDARD)).as("twice the 5 min step at most").contains(Duration.ofMinutes(10));
    }

    @Test
    void until_withoutAStepLeft_clampsToTheLastStep_orTheServersFirstForAnEmptySchedule() {
        RetryPolicy twoSteps = STANDARD.withDelays(List.of(Duration.ofSeconds(1), Duration.ofSeconds(30)));
        assertThat(pause(429, 3_600L, 3, twoSteps)).as("exhausted: twice its last step").contains(Duration.ofSeconds(60));
        assertThat(pause(429, 3_600L, 1, STANDARD.withDelays(List.of()))).as("no retries at all")
                .contains(Duration.ofSeconds(10));
    }

    @Test
    void until_ofOtherAnswers_isNoPause() {
        assertThat(pause(500, 30L, 1, STANDARD)).as("Retry-After counts only on 429 and 503").isEmpty();
        assertThat(pause(429, null, 1, STANDARD)).as("no Retry-After").isEmpty();
        assertThat(pause(429, 0L, 1, STANDARD)).as("zero").isEmpty();
    }
}
