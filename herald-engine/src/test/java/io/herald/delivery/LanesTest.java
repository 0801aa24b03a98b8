package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Lanes' fair share of the node's room, with attempts that hang until the test lets them go. */
class LanesTest {
    static final int CAPACITY = 60;
    static final int IN_FLIGHT = 2;

    final CountDownLatch hang = new CountDownLatch(1);
    final Admission admission = new Admission(CAPACITY);
    final Lanes lanes = new Lanes(IN_FLIGHT, CAPACITY, t -> {
        try {
            hang.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    });
    final List<Task> taken = new ArrayList<>();
    int next;

    @AfterEach
    void letGo() {
        hang.countDown();
    }

    /** Offers deliveries to {@code endpoint} until its lane refuses one; returns how many it took. */
    int fill(String endpoint) {
        int took = 0;
        while (true) {
            Task t = new Task(new Deliveries.Claim("dlv_" + next++, "app_1", "msg_" + next, endpoint, 0, 0, 1L, 0, null, null),
                    null, Pacer.Limits.NONE, admission.admit());
            if (lanes.offer(t, Integer.MAX_VALUE) != Lanes.ADMITTED) {
                t.finished();
                return took;
            }
            taken.add(t);
            took++;
        }
    }

    @Test
    void hangingEndpoints_eachTakeOnlyAnEvenShare_soALaterOneStillGetsItsOwn() {
        assertThat(fill("ep_hanging_1")).isEqualTo(CAPACITY / 2);
        assertThat(fill("ep_hanging_2")).isEqualTo(CAPACITY / 3);
        assertThat(fill("ep_hanging_3")).isEqualTo(CAPACITY / 4);
        // The first lanes took more while they were fewer; they take nothing more now.
        assertThat(fill("ep_hanging_1")).isZero();
        assertThat(fill("ep_healthy")).isEqualTo(CAPACITY / 5);
        assertThat(lanes.share()).isEqualTo(CAPACITY / 5);
    }

    @Test
    void theShare_isNeverBelowTheInFlightCap() {
        assertThat(lanes.share()).isEqualTo(CAPACITY);
        for (int i = 0; i < CAPACITY; i++) {
            fill("ep_" + i);
        }
        assertThat(lanes.share()).isEqualTo(IN_FLIGHT);
        assertThat(fill("ep_late")).isEqualTo(IN_FLIGHT);
    }
}
