package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.endpoint.CircuitBreaker;
import io.herald.endpoint.Health;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The breaker's pure decision, {@link Breaker#next}: one transition per case. */
class BreakerTest {
    static final Instant T = Instant.parse("2026-12-01T10:00:00Z");
    static final CircuitBreaker THREE = new CircuitBreaker(3, Duration.ofHours(1));

    static Breaker.Result ok(int second) {
        return new Breaker.Result(true, false, T.plusSeconds(second), null);
    }

    static Breaker.Result fail(int second) {
        return new Breaker.Result(false, false, T.plusSeconds(second), "HTTP 500");
    }

    static Breaker.Result probeFailed(int second) {
        return new Breaker.Result(false, true, T.plusSeconds(second), "connection refused");
    }

    static Health failing(int failures, Instant since, Instant nextProbe, int probes) {
        return new Health(failures, since, null, since, "HTTP 500", nextProbe, probes, false, null);
    }

    @Test
    void failuresBelowTheThreshold_countButKeepTheCircuitClosed() {
        Breaker.Change c = Breaker.next(Health.NEW, false, List.of(fail(0), fail(1)), THREE, T.plusSeconds(1));
        assertThat(c.after()).extracting(Health::failures, Health::failingSince, Health::open, Health::lastError)
                .containsExactly(2, T, false, "HTTP 500");
        assertThat(c.opened()).isFalse();
        assertThat(c.disable()).isNull();
    }

    @Test
    void theThresholdthFailureInARow_opensTheCircuit_probeDueTheFirstIntervalLater() {
        Breaker.Change c = Breaker.next(failing(2, T, null, 0), false, List.of(fail(5)), THREE, T.plusSeconds(5));
        assertThat(c.opened()).isTrue();
        assertThat(c.after()).extracting(Health::failures, Health::nextProbeAt, Health::probes)
                .containsExactly(3, T.plusSeconds(5).plus(Breaker.FIRST_PROBE), 0);
    }

    @Test
    void aSuccessAmongFailures_startsTheCountAgain() {
        Breaker.Change c = Breaker.next(failing(2, T, null, 0), false, List.of(ok(1), fail(2)), THREE, T.plusSeconds(2));
        assertThat(c.after()).extracting(Health::failures, Health::failingSince, Health::lastSuccessAt, Health::open)
                .containsExactly(1, T.plusSeconds(2), T.plusSeconds(1), false);
    }

    @Test
    void aFailedProbe_doublesTheIntervalUpToTheLongest_whileAStragglersFailureMovesNothing() {
        Health open = failing(3, T, T.plusSeconds(10), 0);
        Breaker.Change probed = Breaker.next(open, false, List.of(probeFailed(10)), THREE, T.plusSeconds(10));
        assertThat(probed.after()).extracting(Health::failures, Health::probes, Health::nextProbeAt, Health::lastError)
                .containsExactly(4, 1, T.plusSeconds(10).plus(Duration.ofSeconds(20)), "connection refused");
        Breaker.Change straggler = Breaker.next(open, false, List.of(fail(4)), THREE, T.plusSeconds(4));
        assertThat(straggler.after()).extracting(Health::failures, Health::probes, Health::nextProbeAt)
                .containsExactly(4, 0, T.plusSeconds(10));
        assertThat(Breaker.probeInterval(0)).isEqualTo(Breaker.FIRST_PROBE);
        assertThat(Breaker.probeInterval(3)).isEqualTo(Duration.ofSeconds(80));
        assertThat(Breaker.probeInterval(6)).isEqualTo(Breaker.LONGEST_PROBE_INTERVAL);
        assertThat(Breaker.probeInterval(1_000)).isEqualTo(Breaker.LONGEST_PROBE_INTERVAL);
    }

    @Test
    void aSuccess_closesAnOpenCircuit() {
        Breaker.Change c = Breaker.next(failing(9, T, T.plusSeconds(60), 4), false, List.of(ok(60)), THREE, T.plusSeconds(60));
        assertThat(c.closed()).isTrue();
        assertThat(c.after()).extracting(Health::failures, Health::failingSince, Health::nextProbeAt, Health::probes)
                .containsExactly(0, null, null, 0);
    }

    @Test
    void failingForTheDisableAfter_disables_butNotBefore_andNotWhenDisabledAlready() {
        Health open = failing(5, T, T.plusSeconds(3_590), 5);
        assertThat(Breaker.next(open, false, List.of(probeFailed(3_599)), THREE, T.plusSeconds(3_599)).disable()).isNull();
        Breaker.Change due = Breaker.next(open, false, List.of(probeFailed(3_600)), THREE, T.plusSeconds(3_600));
        assertThat(due.disable()).isEqualTo("failing since " + T + " (6 failed attempts in a row, the last: connection refused)");
        assertThat(Breaker.next(open, true, List.of(probeFailed(3_600)), THREE, T.plusSeconds(3_600)).disable()).isNull();
    }

    @Test
    void aSuccessWithinASecondOfTheLastRecorded_isNotWorthARowWrite_butAnyOtherChangeIs() {
        Health healthy = new Health(0, null, T, null, null, null, 0, false, null);
        Breaker.Change soon = Breaker.next(healthy, false, List.of(ok(0)), THREE, T);
        assertThat(Breaker.worthWriting(healthy, soon.after())).isFalse();
        Breaker.Change later = Breaker.next(healthy, false, List.of(ok(1)), THREE, T.plusSeconds(1));
        assertThat(Breaker.worthWriting(healthy, later.after())).isTrue();
        Breaker.Change failed = Breaker.next(healthy, false, List.of(fail(0)), THREE, T);
        assertThat(Breaker.worthWriting(healthy, failed.after())).isTrue();
        assertThat(Breaker.worthWriting(Health.NEW, Breaker.next(Health.NEW, false, List.of(ok(0)), THREE, T).after())).isTrue();
    }
}
