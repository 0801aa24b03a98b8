package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pacer as a table: each row is one attempt asking at a time (ms) for a slot of its endpoint
 * and application, and what it gets: a wait (ms), or a refusal naming the wait it refused. Time is
 * a number the test sets; waiting only records how long it was asked to wait (attempts wait side
 * by side, so a wait does not move the time). The database's side is {@link MemorySlots}, which
 * answers as {@code pace}'s statements do; {@code StoreContractTest} runs the real ones.
 */
class PacerTest {
    /** The slots all nodes share, in memory, with the semantics of {@link PaceSlots}' statements. */
    static final class MemorySlots implements Pacer.Shared {
        final Map<String, long[]> rows = new HashMap<>(); // key -> {next_at, paused_until}
        final AtomicInteger reservations = new AtomicInteger();

        @Override
        public synchronized Pacer.Reserved reserve(String key, long fromMs, long latestMs, long spanMs) {
            reservations.incrementAndGet();
            long[] row = rows.get(key);
            if (row == null) {
                rows.put(key, new long[] {fromMs + spanMs, 0});
                return new Pacer.Reserved(true, fromMs, fromMs + spanMs);
            }
            if (row[0] > latestMs) {
                return new Pacer.Reserved(false, row[0], row[0]);
            }
            long start = Math.max(row[0], fromMs);
            row[0] = start + spanMs;
            return new Pacer.Reserved(true, start, row[0]);
        }

        @Override
        public synchronized void pause(String key, long untilMs) {
            long[] row = rows.computeIfAbsent(key, k -> new long[] {untilMs, untilMs});
            row[0] = Math.max(row[0], untilMs);
            row[1] = Math.max(row[1], untilMs);
        }

        @Override
        public synchronized Map<String, Long> pauses(long nowMs) {
            Map<String, Long> p = new HashMap<>();
            rows.forEach((k, row) -> {
                if (row[1] > nowMs) {
                    p.put(k, row[1]);
                }
            });
            return p;
        }

        @Override
        public synchronized int purge(long beforeMs) {
            int before = rows.size();
            rows.values().removeIf(row -> row[0] < beforeMs && row[1] < beforeMs);
            return before - rows.size();
        }
    }

    /** Epoch nanoseconds of a real-looking instant: slots are stored in epoch milliseconds. */
    private static final long ORIGIN = Instant.parse("2026-12-01T00:00:00Z").toEpochMilli() * 1_000_000L;

    /** A pacer on {@code slots} whose time is {@code now[0]} and whose endpoints each hold {@code held} deliveries. */
    private static Pacer pacer(long[] now, List<Long> waited, MemorySlots slots, int held) {
        return new Pacer(() -> now[0], (until, nanos) -> waited.add(nanos), slots, id -> held);
    }

    private static Pacer pacer(long[] now, List<Long> waited) {
        return pacer(now, waited, new MemorySlots(), 1);
    }
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

    @ParameterizedTest(name = "{0}")
    @MethodSource("tables")
    void await_table_waitsOrRefusesAsTheRowSays(String name, List<Row> rows) throws Exception {
        long[] now = {0};
        List<Long> waited = new ArrayList<>();
        Pacer pacer = pacer(now, waited);

        for (Row r : rows) {
            now[0] = ORIGIN + r.atMs() * MS;
            waited.clear();

            Pacer.Slot slot = pacer.await(r.endpoint(), new Pacer.Limits(r.endpointRate(), r.app(), r.appRate()),
                    Duration.ofMillis(r.maxWaitMs()));

            assertThat(slot).as(r.toString()).isEqualTo(new Pacer.Slot(!r.refused(), Duration.ofMillis(r.waitMs())));
            assertThat(waited).as(r.toString())
                    .isEqualTo(r.refused() || r.waitMs() == 0 ? List.of() : List.of(r.waitMs() * MS));
        }
    }

    @Test
    void await_rateThatDoesNotDivideASecond_neverFitsMoreThanTheRateInOneSecond() throws Exception {
        long[] now = {ORIGIN};
        List<Long> waited = new ArrayList<>();
        Pacer pacer = pacer(now, waited);

        for (int i = 0; i < 4; i++) {
            pacer.await("ep_a", new Pacer.Limits(3, "app_x", null), Duration.ofSeconds(10));
        }

        assertThat(waited).hasSize(3);
        assertThat(waited.getLast()).as("the 4th of 3/s").isGreaterThanOrEqualTo(1_000 * MS);
    }

    @Test
    void await_keysWhoseSlotHasPassed_areSweptOnceThereAreMany() throws Exception {
        long[] now = {ORIGIN};
        Pacer pacer = pacer(now, new ArrayList<>());
        for (int i = 0; i < 1_024; i++) {
            pacer.await("ep_" + i, new Pacer.Limits(1_000, "app_x", null), Duration.ZERO);
        }
        // app_x was not limited, so it is not tracked; 1,024 endpoints are, and all are due again at 1 ms.
        assertThat(pacer.tracked()).isEqualTo(1_024);

        now[0] = ORIGIN + 10 * MS;
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
        long[] now = {ORIGIN};
        Pacer pacer = pacer(now, new ArrayList<>());
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
        long[] now = {ORIGIN};
        Pacer pacer = pacer(now, new ArrayList<>());

        assertThat(pacer.project("ep_a", endpointAt(2), 25)).isEqualTo(Duration.ofMillis(12_500));
        assertThat(pacer.project("ep_a", endpointAt(2), 25)).as("after the one projected before").isEqualTo(Duration.ofMillis(13_000));
        now[0] = ORIGIN + 20_000 * MS;
        assertThat(pacer.project("ep_a", endpointAt(2), 0)).as("projections that have passed hold nothing up")
                .isEqualTo(Duration.ZERO);
    }

    @Test
    void project_underAnApplicationLimit_spreadsDeliveriesToAllItsEndpoints() {
        long[] now = {ORIGIN};
        Pacer pacer = pacer(now, new ArrayList<>());
        Pacer.Limits app = new Pacer.Limits(null, "app_x", 4);

        List<Duration> projected = List.of(pacer.project("ep_a", app, 0), pacer.project("ep_b", app, 0),
                pacer.project("ep_c", app, 0));

        assertThat(projected).containsExactly(Duration.ZERO, Duration.ofMillis(250), Duration.ofMillis(500));
        assertThat(pacer.project("ep_d", Pacer.Limits.NONE, 7)).as("no limit: due at once").isEqualTo(Duration.ZERO);
    }

    @Test
    void await_withDeliveriesWaiting_reservesOneBlockForThem_atMostASecondsWorth() throws Exception {
        long[] now = {ORIGIN};
        List<Long> waited = new ArrayList<>();
        MemorySlots slots = new MemorySlots();
        Pacer pacer = pacer(now, waited, slots, 30);

        for (int i = 0; i < 12; i++) {
            pacer.await("ep_a", endpointAt(5), Duration.ofSeconds(10));
        }

        assertThat(waited).containsExactly(200 * MS, 400 * MS, 600 * MS, 800 * MS, 1_000 * MS, 1_200 * MS, 1_400 * MS,
                1_600 * MS, 1_800 * MS, 2_000 * MS, 2_200 * MS);
        assertThat(slots.reservations).as("a block of 5 slots (a second at 5/s) per reservation, not one per attempt")
                .hasValue(3);
        assertThat(slots.rows.get("ep_a")[0]).as("the next free slot, after the third block").isEqualTo(ORIGIN / MS + 3_000);
    }

    @Test
    void await_ofTwoNodesSharingAKey_startsAttemptsOneIntervalApartAcrossBoth() throws Exception {
        long[] now = {ORIGIN};
        List<Long> waitedHere = new ArrayList<>();
        List<Long> waitedThere = new ArrayList<>();
        MemorySlots slots = new MemorySlots();
        Pacer here = pacer(now, waitedHere, slots, 3);
        Pacer there = pacer(now, waitedThere, slots, 3);
        List<Long> starts = new ArrayList<>();

        for (int i = 0; i < 6; i++) {
            starts.add(here.await("ep_a", endpointAt(10), Duration.ofSeconds(10)).delay().toMillis());
            starts.add(there.await("ep_a", endpointAt(10), Duration.ofSeconds(10)).delay().toMillis());
        }

        // Each node takes blocks of 3 slots (300 ms at 10/s) in turn: the 12 attempts take the 12 slots of 1.2 s.
        assertThat(starts.stream().sorted().toList())
                .containsExactly(0L, 100L, 200L, 300L, 400L, 500L, 600L, 700L, 800L, 900L, 1_000L, 1_100L);
    }

    @Test
    void await_refusedOnAKeyAnotherNodeHoldsFarAhead_waitsForNothingAndSaysWhenItsTurnCouldCome() throws Exception {
        long[] now = {ORIGIN};
        MemorySlots slots = new MemorySlots();
        Pacer here = pacer(now, new ArrayList<>(), slots, 1);
        Pacer there = pacer(now, new ArrayList<>(), slots, 20);
        for (int i = 0; i < 20; i++) {
            there.await("ep_a", endpointAt(1), Duration.ofSeconds(30)); // slots 0 to 19 s: the next free one is 20 s on
        }

        Pacer.Slot slot = here.await("ep_a", endpointAt(1), Duration.ofSeconds(5));

        assertThat(slot).isEqualTo(new Pacer.Slot(false, Duration.ofSeconds(20)));
        assertThat(here.project("ep_a", endpointAt(1), 0)).as("handed back due at the next free slot")
                .isEqualTo(Duration.ofSeconds(20));
        assertThat(slots.rows.get("ep_a")[0]).as("nothing reserved").isEqualTo(ORIGIN / MS + 20_000);
    }

    @Test
    void pause_ofAnUnlimitedEndpoint_holdsItsAttemptsHereAtOnce_andOnAnotherNodeOnceItReadsThePauses() throws Exception {
        long[] now = {ORIGIN};
        List<Long> waitedHere = new ArrayList<>();
        List<Long> waitedThere = new ArrayList<>();
        MemorySlots slots = new MemorySlots();
        Pacer here = pacer(now, waitedHere, slots, 1);
        Pacer there = pacer(now, waitedThere, slots, 1);
        assertThat(there.await("ep_a", Pacer.Limits.NONE, Duration.ofSeconds(30))).isEqualTo(Pacer.Slot.AT_ONCE);

        here.pause("ep_a", Instant.ofEpochSecond(0, ORIGIN).plusSeconds(10));

        assertThat(here.await("ep_a", Pacer.Limits.NONE, Duration.ofSeconds(30))).isEqualTo(new Pacer.Slot(true, Duration.ofSeconds(10)));
        assertThat(here.await("ep_a", Pacer.Limits.NONE, Duration.ofSeconds(5))).as("beyond its wait: refused")
                .isEqualTo(new Pacer.Slot(false, Duration.ofSeconds(10)));
        assertThat(here.project("ep_a", Pacer.Limits.NONE, 0)).isEqualTo(Duration.ofSeconds(10));
        assertThat(here.await("ep_b", Pacer.Limits.NONE, Duration.ZERO)).as("another endpoint").isEqualTo(Pacer.Slot.AT_ONCE);
        assertThat(there.await("ep_a", Pacer.Limits.NONE, Duration.ofSeconds(30)))
                .as("the other node read the pauses at its first attempt, before this one").isEqualTo(Pacer.Slot.AT_ONCE);

        now[0] += Pacer.PAUSE_REFRESH.toNanos();

        assertThat(there.await("ep_a", Pacer.Limits.NONE, Duration.ofSeconds(30)))
                .as("read again after %s", Pacer.PAUSE_REFRESH)
                .isEqualTo(new Pacer.Slot(true, Duration.ofSeconds(10).minus(Pacer.PAUSE_REFRESH)));
        now[0] += Duration.ofSeconds(10).toNanos();
        assertThat(there.await("ep_a", Pacer.Limits.NONE, Duration.ZERO)).as("over").isEqualTo(Pacer.Slot.AT_ONCE);
    }

    @Test
    void pause_ofALimitedEndpoint_movesItsNextSlotOnEveryNode_pastThePause() throws Exception {
        long[] now = {ORIGIN};
        MemorySlots slots = new MemorySlots();
        Pacer here = pacer(now, new ArrayList<>(), slots, 1);
        Pacer there = pacer(now, new ArrayList<>(), slots, 1);
        here.await("ep_a", endpointAt(10), Duration.ofSeconds(30));

        here.pause("ep_a", Instant.ofEpochSecond(0, ORIGIN).plusSeconds(3));

        assertThat(here.await("ep_a", endpointAt(10), Duration.ofSeconds(30)).delay()).isEqualTo(Duration.ofSeconds(3));
        assertThat(there.await("ep_a", endpointAt(10), Duration.ofSeconds(30)).delay())
                .as("the other node's next block starts after the pause and after this node's slot")
                .isEqualTo(Duration.ofMillis(3_100));
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
