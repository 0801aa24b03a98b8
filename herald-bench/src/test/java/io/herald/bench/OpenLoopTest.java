package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenLoopTest {
    @Test
    void due_spacesRequestsByTheRate() {
        assertThat(OpenLoop.due(1_000, 0, 250)).isEqualTo(1_000);
        assertThat(OpenLoop.due(1_000, 1, 250)).isEqualTo(1_000 + 4_000_000);
        assertThat(OpenLoop.due(0, 1_000, 1_000)).isEqualTo(1_000_000_000L);
        assertThat(OpenLoop.count(250, 12)).isEqualTo(3_000);
        assertThat(OpenLoop.count(3, 0.5)).isEqualTo(2);
    }

    @Test
    void run_sendsEveryDueRequestWithItsDueTime_inOrder() {
        List<long[]> sent = new ArrayList<>();
        OpenLoop.Stats st = OpenLoop.run(1_000, 0.1, () -> 0, 10, (i, due) -> sent.add(new long[] {i, due, System.nanoTime()}));
        assertThat(st.sent()).isEqualTo(100);
        assertThat(st.skipped()).isZero();
        assertThat(st.seconds()).isGreaterThanOrEqualTo(0.1);
        long start = sent.getFirst()[1];
        for (int k = 0; k < sent.size(); k++) {
            assertThat(sent.get(k)[0]).isEqualTo(k);
            assertThat(sent.get(k)[1]).isEqualTo(OpenLoop.due(start, k, 1_000));
            // Never early.
            assertThat(sent.get(k)[2]).isGreaterThanOrEqualTo(sent.get(k)[1]);
        }
    }

    @Test
    void run_tooManyInFlight_skipsAndCountsInsteadOfWaiting() {
        int[] calls = {0};
        OpenLoop.Stats st = OpenLoop.run(1_000, 0.05, () -> 5, 5, (i, due) -> calls[0]++);
        assertThat(calls[0]).isZero();
        assertThat(st.skipped()).isEqualTo(50);
    }

    @Test
    void run_nonPositiveRate_isRefused() {
        assertThatThrownBy(() -> OpenLoop.run(0, 1, () -> 0, 1, (i, d) -> {})).isInstanceOf(IllegalArgumentException.class);
    }
}
