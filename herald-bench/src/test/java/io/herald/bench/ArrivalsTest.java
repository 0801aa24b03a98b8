package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArrivalsTest {
    @Test
    void of_countsLostAndDuplicatedIds() {
        Map<String, Integer> receipts = Map.of("a", 1, "b", 3, "c", 2, "e", 1);
        Arrivals a = Arrivals.of(List.of("a", "b", "c", "d"), id -> receipts.getOrDefault(id, 0));
        assertThat(a.expected()).isEqualTo(4);
        assertThat(a.received()).isEqualTo(3);
        assertThat(a.lost()).isEqualTo(1); // d; e was received but not expected: not counted
        assertThat(a.duplicated()).isEqualTo(2); // b and c
        assertThat(a.extraReceipts()).isEqualTo(3); // 2 more of b, 1 more of c
        assertThat(a.toMap()).containsEntry("lost", 1L).containsEntry("duplicated", 2L);
    }

    @Test
    void of_everythingOnce_isClean() {
        Arrivals a = Arrivals.of(List.of("a", "b"), id -> 1);
        assertThat(a.lost()).isZero();
        assertThat(a.duplicated()).isZero();
        assertThat(Arrivals.of(List.of(), id -> 1).expected()).isZero();
    }

    @Test
    void at_readsTheReceiversTallies() throws Exception {
        try (Receiver rx = new Receiver(); LoadClient client = new LoadClient()) {
            rx.recording(true);
            for (String id : List.of("m1", "m2", "m2")) {
                assertThat(client.post(URI.create(rx.url("/c/0")), new byte[] {'{', '}'}, null)
                        .headers(h -> h.put("webhook-id", id)).send().getStatus()).isEqualTo(200);
            }
            Arrivals a = Arrivals.at(rx, List.of("m1", "m2", "m3"));
            assertThat(a.received()).isEqualTo(2);
            assertThat(a.lost()).isEqualTo(1);
            assertThat(a.duplicated()).isEqualTo(1);
        }
    }
}
