package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pacer as a table: each row is one attempt asking at a time (ms) for a slot of its endpoint
 * and application, and what it gets: a wait (ms), or a refusal naming the wait it refused. Time is
 * a number the test sets; waiting only records how long it was asked to wait (attempts wait side
 * by side, so a wait does not move the time).
 */
class PacerTest {
    private static final long MS = 1_000_000L;
    private static final long DEFAULT_MAX_WAIT_MS = 60_000;

    /** An attempt at {@code atMs}; {@code waitMs} it should wait, or with {@code refused} the wait refused. */
    record Row(long atMs, String endpoint, Integer endpointRate, String app, Integer appRate, long maxWaitMs,
               long waitMs, boolean refused) {
        @Override
        public String toString() {
            return "t=" + atMs + " " + endpoint + "@" + endpointRate + " " + app + "@" + appRate
                    + (refused ? " refused " : " waits ") + waitMs;
        }
    }

    static Row waits(long atMs, String endpoint, Integer endpointRate, String app, Integer appRate, long waitMs) {
        return new Row(atMs, endpoint, endpointRate, app, appRate, DEFAULT_MAX_WAIT_MS, waitMs, false);
    }

    static Row refused(long atMs, String endpoint, Integer endpointRate, String app, Integer appRate, long maxWaitMs,
                       long waitMs) {
        return new Row(atMs, endpoint, endpointRate, app, appRate, maxWaitMs, waitMs, true);
    }

    static Row within(long maxWaitMs, Row r) {
        return new Row(r.atMs(), r.endpoint(), r.endpointRate(), r.app(), r.appRate(), maxWaitMs, r.waitMs(), false);
    }

    static Stream<Arguments> tables() {
        return Stream.of(
                Arguments.of("no limits: nothing waits", List.of(
                        waits(0, "ep_a", null, "app_x", null, 0),
                        waits(0, "ep_a", null, "app_x", null, 0),
                        waits(0, "ep_a", null, "app_x", null, 0))),
                Arguments.of("endpoint at 5/s: the first at once, then 200 ms apart", List.of(
                        waits(0, "ep_a", 5, "app_x", null, 0),
                        waits(0, "ep_a", 5, "app_x", null, 200),
                        waits(0, "ep_a", 5, "app_x", null, 400),
                        waits(10, "ep_a", 5, "app_x", null, 590))),
                Arguments.of("a burst of one: an idle endpoint starts at once, and only once", List.of(
                        waits(0, "ep_a", 5, "app_x", null, 0),
                        waits(5_000, "ep_a", 5, "app_x", null, 0),
                        waits(5_000, "ep_a", 5, "app_x", null, 200),
                        waits(5_150, "ep_a", 5, "app_x", null, 250))),
                Arguments.of("endpoints are paced apart", List.of(
                        waits(0, "ep_a", 1, "app_x", null, 0),
                        waits(0, "ep_b", 1, "app_x", null, 0),
                        waits(0, "ep_a", 1, "app_x", null, 1_000),
                        waits(0, "ep_b", 1, "app_x", null, 1_000))),
                Arguments.of("application at 2/s across its endpoints", List.of(
                        waits(0, "ep_a", null, "app_x", 2, 0),
                        waits(0, "ep_b", null, "app_x", 2, 500),
                        waits(0, "ep_a", null, "app_x", 2, 1_000),
                        waits(0, "ep_c", null, "app_y", 2, 0))),
                Arguments.of("the later of endpoint and application slot wins, and both move past it", List.of(
                        waits(0, "ep_a", 1, "app_x", 10, 0),
                        waits(0, "ep_b", null, "app_x", 10, 100),
                        waits(0, "ep_a", 1, "app_x", 10, 1_000),
                        waits(0, "ep_b", null, "app_x", 10, 1_100))),
                Arguments.of("a refused wait reserves nothing", List.of(
                        waits(0, "ep_a", 1, "app_x", null, 0),
                        within(1_500, waits(0, "ep_a", 1, "app_x", null, 1_000)),
                        refused(0, "ep_a", 1, "app_x", null, 1_500, 2_000),
                        waits(0, "ep_a", 1, "app_x", null, 2_000))),
                Arguments.of("refused by the application: the endpoint keeps its slot free", List.of(
                        waits(0, "ep_a", null, "app_x", 1, 0),
                        refused(0, "ep_b", 1, "app_x", 1, 500, 1_000),
                        waits(0, "ep_b", 1, "app_y", null, 0))),
                Arguments.of("a changed rate applies from the next slot", List.of(
                        waits(0, "ep_a", 1, "app_x", null, 0),
                        waits(0, "ep_a", 10, "app_x", null, 1_000),
                        waits(0, "ep_a", 10, "app_x", null, 1_100))),
                Arguments.of("a zero max wait takes only a free slot", List.of(
                        within(0, waits(0, "ep_a", 2, "app_x", null, 0)),
                        refused(0, "ep_a", 2, "app_x", null, 0, 500),
                        within(0, waits(500, "ep_a", 2, "app_x", null, 0)))));
    }

    @ParameterizedTest(name = "{0} (time starts at {2} ns)")
    @MethodSource("tablesAtTwoTimeOrigins")
    void await_table_waitsOrRefusesAsTheRowSays(String name, List<Row> rows, long originNanos) throws Exception {
        long[] now = {0};
        List<Long> waited = new ArrayList<>();
        Pacer pacer = new Pacer(() -> now[0], waited::add, Duration.ofHours(1));

        for (Row r : rows) {
            now[0] = originNanos + r.atMs() * MS;
            waited.clear();

            Pacer.Slot slot = pacer.await(r.endpoint(), new Pacer.Limits(r.endpointRate(), r.app(), r.appRate()),
                    Duration.ofMillis(r.maxWaitMs()));

            assertThat(slot).as(r.toString()).isEqualTo(new Pacer.Slot(!r.refused(), Duration.ofMillis(r.waitMs())));
            assertThat(waited).as(r.toString())
                    .isEqualTo(r.refused() || r.waitMs() == 0 ? List.of() : List.of(r.waitMs() * MS));
        }
    }

    /** Every table from 0 and from just before nanoTime wraps: instants compare by difference only. */
    static Stream<Arguments> tablesAtTwoTimeOrigins() {
        return tables().flatMap(a -> Stream.of(0L, Long.MAX_VALUE - 700 * MS)
                .map(origin -> Arguments.of(a.get()[0], a.get()[1], origin)));
    }

    @Test
    void await_rateThatDoesNotDivideASecond_neverFitsMoreThanTheRateInOneSecond() throws Exception {
        long[] now = {0};
        List<Long> waited = new ArrayList<>();
        Pacer pacer = new Pacer(() -> now[0], waited::add, Duration.ofHours(1));

        for (int i = 0; i < 4; i++) {
            pacer.await("ep_a", new Pacer.Limits(3, "app_x", null), Duration.ofSeconds(10));
        }

        assertThat(waited).hasSize(3);
        assertThat(waited.getLast()).as("the 4th of 3/s").isGreaterThanOrEqualTo(1_000 * MS);
    }

    @Test
    void await_keysWhoseSlotHasPassed_areSweptOnceThereAreMany() throws Exception {
        long[] now = {0};
        Pacer pacer = new Pacer(() -> now[0], nanos -> { }, Duration.ofHours(1));
        for (int i = 0; i < 1_024; i++) {
            pacer.await("ep_" + i, new Pacer.Limits(1_000, "app_x", null), Duration.ZERO);
        }
        // app_x was not limited, so it is not tracked; 1,024 endpoints are, and all are due again at 1 ms.
        assertThat(pacer.tracked()).isEqualTo(1_024);

        now[0] = 10 * MS;
        for (int i = 0; i < 1_024; i++) {
            pacer.await("ep_new_" + i, new Pacer.Limits(1_000, "app_x", null), Duration.ZERO);
        }

        assertThat(pacer.tracked()).as("the first 1,024 were swept").isEqualTo(1_024);
    }

    private static Pacer.Limits endpointAt(int rate) {
        return new Pacer.Limits(rate, "app_x", null);
    }

    @Test
    void project_afterReservedSlots_handsOutOneSlotEachAnIntervalApart_andReservesNothing() throws Exception {
        long[] now = {0};
        Pacer pacer = new Pacer(() -> now[0], nanos -> { }, Duration.ofHours(1));
        for (int i = 0; i < 3; i++) {
            pacer.await("ep_a", endpointAt(1), Duration.ofSeconds(10)); // slots 0, 1, 2 s
        }

        List<Duration> projected = List.of(pacer.project("ep_a", endpointAt(1), 0), pacer.project("ep_a", endpointAt(1), 0),
                pacer.project("ep_a", endpointAt(1), 0));

        assertThat(projected).containsExactly(Duration.ofSeconds(3), Duration.ofSeconds(4), Duration.ofSeconds(5));
        assertThat(pacer.await("ep_a", endpointAt(1), Duration.ofSeconds(10)))
                .as("the next attempt takes the next free slot: a projection holds none")
                .isEqualTo(new Pacer.Slot(true, Duration.ofSeconds(3)));
        assertThat(pacer.project("ep_b", endpointAt(1), 0)).as("another endpoint").isEqualTo(Duration.ZERO);
    }

    @Test
    void project_withDeliveriesAhead_comesNoEarlierThanTheirSlots() {
        long[] now = {0};
        Pacer pacer = new Pacer(() -> now[0], nanos -> { }, Duration.ofHours(1));

        assertThat(pacer.project("ep_a", endpointAt(2), 25)).isEqualTo(Duration.ofMillis(12_500));
        assertThat(pacer.project("ep_a", endpointAt(2), 25)).as("after the one projected before").isEqualTo(Duration.ofMillis(13_000));
        now[0] = 20_000 * MS;
        assertThat(pacer.project("ep_a", endpointAt(2), 0)).as("projections that have passed hold nothing up")
                .isEqualTo(Duration.ZERO);
    }

    @Test
    void project_underAnApplicationLimit_spreadsDeliveriesToAllItsEndpoints() {
        long[] now = {0};
        Pacer pacer = new Pacer(() -> now[0], nanos -> { }, Duration.ofHours(1));
        Pacer.Limits app = new Pacer.Limits(null, "app_x", 4);

        List<Duration> projected = List.of(pacer.project("ep_a", app, 0), pacer.project("ep_b", app, 0),
                pacer.project("ep_c", app, 0));

        assertThat(projected).containsExactly(Duration.ZERO, Duration.ofMillis(250), Duration.ofMillis(500));
        assertThat(pacer.project("ep_d", Pacer.Limits.NONE, 7)).as("no limit: due at once").isEqualTo(Duration.ZERO);
    }

    @Test
    void await_afterTheTimeSourceWentBack_startsAfreshInsteadOfStalling() throws Exception {
        long[] now = {3_600_000 * MS};
        Pacer pacer = new Pacer(() -> now[0], nanos -> { }, Duration.ofSeconds(30));
        pacer.await("ep_a", endpointAt(1), Duration.ofSeconds(10));
        pacer.await("ep_a", endpointAt(1), Duration.ofSeconds(10));

        now[0] = 0; // an hour back

        assertThat(pacer.await("ep_a", endpointAt(1), Duration.ofSeconds(10))).isEqualTo(Pacer.Slot.AT_ONCE);
    }

    @Test
    void slotsWithin_countsTheSlotNowAndEachIntervalThatFits() {
        assertThat(endpointAt(1).slotsWithin(Duration.ofSeconds(24))).isEqualTo(25);
        assertThat(endpointAt(3).slotsWithin(Duration.ofSeconds(1))).as("the 1 s / 3 interval is rounded up").isEqualTo(3);
        assertThat(new Pacer.Limits(10, "app_x", 2).slotsWithin(Duration.ofSeconds(5))).as("the slower limit counts").isEqualTo(11);
        assertThat(endpointAt(1).slotsWithin(Duration.ofSeconds(-3))).as("at least one").isEqualTo(1);
        assertThat(Pacer.Limits.NONE.slotsWithin(Duration.ZERO)).isEqualTo(Integer.MAX_VALUE);
    }
}
