package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class RetryAfterTest {
    /** A Sunday. */
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    @Test
    void parse_delaySeconds_isThatManySeconds() {
        assertThat(RetryAfter.parse("7", NOW)).contains(Duration.ofSeconds(7));
        assertThat(RetryAfter.parse(" 120 ", NOW)).contains(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse("0", NOW)).contains(Duration.ZERO);
    }

    @Test
    void parse_delaySecondsBeyondLong_isVeryLongRatherThanIgnored() {
        assertThat(RetryAfter.parse("99999999999999999999", NOW)).hasValueSatisfying(d ->
                assertThat(d).isGreaterThanOrEqualTo(Duration.ofDays(30)));
    }

    @Test
    void parse_httpDateInTheFuture_isTheTimeUntilThen() {
        assertThat(RetryAfter.parse("Sun, 01 Mar 2026 12:07:30 GMT", NOW)).contains(Duration.ofSeconds(450));
        assertThat(RetryAfter.parse("Mon, 02 Mar 2026 12:00:00 GMT", NOW)).contains(Duration.ofDays(1));
    }

    @Test
    void parse_httpDateInThePast_isZero() {
        assertThat(RetryAfter.parse("Sun, 01 Mar 2026 11:59:00 GMT", NOW)).contains(Duration.ZERO);
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "   ", "soon", "-5", "1.5", "7s", "0x10", "2026-03-01T12:07:00Z",
        "Sunday, 01-Mar-26 12:07:00 GMT", "Sun, 32 Mar 2026 12:07:00 GMT"})
    void parse_garbage_isEmpty(String value) {
        assertThat(RetryAfter.parse(value, NOW)).isEmpty();
    }
}
