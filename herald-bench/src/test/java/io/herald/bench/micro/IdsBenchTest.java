package io.herald.bench.micro;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class IdsBenchTest {
    private static final String ID = "msg_[0-9A-Za-z]{22}";

    private static IdsBench bench() {
        IdsBench bench = new IdsBench();
        bench.setUp();
        return bench;
    }

    @Test
    void next_thousandIds_wellFormedAndDistinct() {
        IdsBench bench = bench();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            ids.add(bench.next());
        }

        assertThat(ids).hasSize(1_000).allSatisfy(id -> assertThat(id).matches(ID));
    }

    @Test
    void next_laterMilliseconds_sortAfter() {
        IdsBench bench = bench();
        // Ids of one millisecond sort randomly: twenty in a row in order rule out a frozen clock.
        String previous = bench.next();
        for (int i = 0; i < 20; i++) {
            long now = System.currentTimeMillis();
            while (System.currentTimeMillis() <= now) {
                Thread.onSpinWait(); // at most a millisecond
            }
            String next = bench.next();
            assertThat(next).isGreaterThan(previous);
            previous = next;
        }
    }

    @Test
    void nextTwoThreads_sharedInstance_distinctIds() throws InterruptedException {
        IdsBench bench = bench();
        Set<String> ids = ConcurrentHashMap.newKeySet();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = List.of(1, 2).stream().map(n -> Thread.ofPlatform().start(() -> {
            try {
                start.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            for (int i = 0; i < 5_000; i++) {
                ids.add(bench.nextTwoThreads());
            }
        })).toList();
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }

        assertThat(ids).hasSize(10_000);
    }

    @Test
    void nextFastRandomFloor_wellFormedAndDistinct() {
        IdsBench.FastRandom f = new IdsBench.FastRandom();
        f.setUp();
        IdsBench bench = new IdsBench();

        String a = bench.nextFastRandomFloor(f);
        assertThat(a).matches(ID).isNotEqualTo(bench.nextFastRandomFloor(f));
    }
}
