package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.testing.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class IdsTest {
    @Test
    void lastAt_sortsAfterEveryIdOfItsMillisecond_andBeforeEveryIdOfTheNext() {
        SettableClock clock = new SettableClock(Instant.parse("2026-12-02T06:00:00.123Z"));
        Ids ids = new Ids(clock, new Random(7));
        String last = Ids.lastAt("msg", clock.millis());

        for (int i = 0; i < 10_000; i++) {
            assertThat(ids.next("msg")).isLessThanOrEqualTo(last);
        }
        clock.advance(Duration.ofMillis(1));
        for (int i = 0; i < 10_000; i++) {
            assertThat(ids.next("msg")).isGreaterThan(last);
        }
        assertThat(last).startsWith("msg_").hasSize("msg_".length() + 22);
    }

    @Test
    void lastAt_outsideTheRangeOfIdTimes_sortsBeforeOrAfterEveryId() {
        Ids ids = new Ids(new SettableClock(Instant.parse("2026-12-02T06:00:00Z")), new Random(7));
        String id = ids.next("msg");

        assertThat(Ids.lastAt("msg", -1)).isLessThan(id);
        assertThat(Ids.lastAt("msg", Instant.parse("1900-01-01T00:00:00Z").toEpochMilli())).isLessThan(id);
        assertThat(Ids.lastAt("msg", Long.MAX_VALUE)).isGreaterThan(id);
        assertThat(Ids.lastAt("msg", 1L << 48)).isGreaterThan(Ids.lastAt("msg", (1L << 48) - 1));
    }

    @Test
    void next_takesAll80RandomBitsFromOneDraw() {
        SettableClock clock = new SettableClock(Instant.parse("2026-12-03T17:00:00.007Z"));
        int[] draws = new int[1];
        RandomGenerator ones = new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new AssertionError("ids draw bytes, not longs");
            }

            @Override
            public void nextBytes(byte[] bytes) {
                draws[0]++;
                java.util.Arrays.fill(bytes, (byte) 0xFF);
            }
        };
        // Every random bit set: the greatest id of the millisecond, which lastAt computes apart.
        assertThat(new Ids(clock, ones).next("msg")).isEqualTo(Ids.lastAt("msg", clock.millis()));
        assertThat(draws[0]).isEqualTo(1);
        RandomGenerator zeros = new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new AssertionError("ids draw bytes, not longs");
            }

            @Override
            public void nextBytes(byte[] bytes) {
                java.util.Arrays.fill(bytes, (byte) 0);
            }
        };
        assertThat(new Ids(clock, zeros).next("msg")).isEqualTo("msg_" + Ids.encode(clock.millis() << 16, 0));
    }
}
