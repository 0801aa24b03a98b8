package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OutcomeTest {
    private static final Instant AT = Instant.parse("2026-03-01T12:00:00Z");
    /** nextDouble() == 0.5: no jitter, so a retry is due exactly one step on. */
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
    /** Three attempts in all: retries 10 s and 60 s after the first and the second. */
    private static final RetryPolicy POLICY = new RetryPolicy(List.of(Duration.ofSeconds(10), Duration.ofSeconds(60)),
            RetryPolicy.DEFAULT_JITTER, MIDDLE);

    @ParameterizedTest(name = "HTTP {0}, Retry-After {1}, attempt {2} -> {3} {4}")
    @CsvSource(nullValues = "-", textBlock = """
            # status | Retry-After s | attempt | kind      | next, s after AT | delivery status
              200    | -             | 1       | SUCCEEDED | -                | succeeded
              204    | -             | 3       | SUCCEEDED | -                | succeeded
              299    | -             | 2       | SUCCEEDED | -                | succeeded
              410    | -             | 1       | GONE      | -                | failed
              410    | 30            | 1       | GONE      | -                | failed
              500    | -             | 1       | RETRY     | 10               | pending
              500    | -             | 2       | RETRY     | 60               | pending
              500    | -             | 3       | EXHAUSTED | -                | failed
              0      | -             | 1       | RETRY     | 10               | pending
              0      | -             | 3       | EXHAUSTED | -                | failed
              300    | -             | 1       | RETRY     | 10               | pending
              404    | -             | 2       | RETRY     | 60               | pending
              429    | 15            | 1       | RETRY     | 15               | pending
              429    | 600           | 1       | RETRY     | 20               | pending
              429    | 1             | 1       | RETRY     | 10               | pending
              503    | 90            | 2       | RETRY     | 90               | pending
              503    | 90            | 3       | EXHAUSTED | -                | failed
              500    | 15            | 1       | RETRY     | 10               | pending
              408    | 40            | 2       | RETRY     | 60               | pending
            """, delimiter = '|')
    void decide_isTheTable(int status, Integer retryAfterSeconds, int attempt, Outcome.Kind kind, Integer nextSeconds,
                           String deliveryStatus) {
        Optional<Duration> retryAfter = Optional.ofNullable(retryAfterSeconds).map(Duration::ofSeconds);

        Outcome o = Outcome.decide(status, retryAfter, attempt, AT, POLICY);

        assertThat(o.kind()).isEqualTo(kind);
        assertThat(o.next()).isEqualTo(nextSeconds == null ? null : AT.plusSeconds(nextSeconds));
        assertThat(o.nextMillis()).isEqualTo(nextSeconds == null ? null : AT.plusSeconds(nextSeconds).toEpochMilli());
        assertThat(o.deliveryStatus()).isEqualTo(deliveryStatus);
    }
}
