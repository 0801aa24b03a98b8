package io.herald.bench.micro;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SubscriptionBenchTest {
    @Test
    void tenEndpoints_criticalFinding_sixSubscribe() {
        SubscriptionBench bench = new SubscriptionBench();
        bench.setUp();

        assertThat(bench.endpoints).hasSize(10);
        for (int i = 0; i < bench.endpoints.size(); i++) {
            assertThat(bench.endpoints.get(i).subscribesTo(bench.eventType, bench.channels)).as("endpoint %d", i)
                    .isEqualTo(SubscriptionBench.SUBSCRIPTIONS.get(i).expected());
        }
        assertThat(bench.tenEndpoints()).isEqualTo(6);
    }
}
