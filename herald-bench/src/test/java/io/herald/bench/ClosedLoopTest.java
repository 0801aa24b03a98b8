package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ClosedLoopTest {
    @Test
    void run_neverHasMoreThanItsPublishersInFlight_andFinishesWhatItStarted() {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        Set<Long> done = ConcurrentHashMap.newKeySet();
        ClosedLoop loop = ClosedLoop.start(4, index -> {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            Pause.millis(1);
            inFlight.decrementAndGet();
            done.add(index);
        });
        assertThat(Pause.until(() -> loop.started() >= 200, 30, 5)).isTrue();
        loop.close();
        assertThat(maxInFlight.get()).isBetween(1, 4);
        assertThat(inFlight.get()).isZero();
        // Every request started was answered before close returned, and numbers are not repeated.
        assertThat(done).hasSize((int) loop.started());
        assertThat(done).allMatch(i -> i >= 0 && i < loop.started());
    }

    @Test
    void start_withoutPublishers_fails() {
        assertThatThrownBy(() -> ClosedLoop.start(0, i -> {})).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void publisher_sendAndWait_returnsOnceAnswered_andRoundRobinsOverApps() throws Exception {
        // The receiver stands in for Herald's publish endpoint: it answers 200 to any POST.
        try (Receiver rx = new Receiver(); LoadClient client = new LoadClient()) {
            HeraldApi api = new HeraldApi(client, URI.create(rx.url("/")), "t");
            Publisher pub = new Publisher(client, api, List.of("a", "b"));
            pub.tracking(true);
            for (long i = 0; i < 4; i++) {
                pub.sendAndWait(i);
                assertThat(pub.inFlight()).isZero();
                assertThat(pub.published()).isEqualTo(i + 1);
            }
            assertThat(rx.ok()).isEqualTo(4);
            assertThat(pub.publishMicros().getTotalCount()).isEqualTo(4);
        }
    }
}
