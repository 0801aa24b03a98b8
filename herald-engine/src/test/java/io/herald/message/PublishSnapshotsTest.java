package io.herald.message;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.app.Application;
import io.herald.endpoint.Endpoints;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PublishSnapshotsTest {
    private final PublishSnapshots snapshots = new PublishSnapshots();

    private static PublishSnapshots.App app(String id, long version, int endpoints) {
        // The snapshot counts its endpoints; what they hold does not matter here.
        List<Endpoints.Sendable> enabled = Collections.nCopies(endpoints, null);
        return new PublishSnapshots.App(new Application(id, null, id, null, Map.of(), Instant.EPOCH, Instant.EPOCH), version, enabled);
    }

    @Test
    void keep_ofAnOlderVersionOfTheSameApplication_keepsTheNewer_butAnotherApplicationUnderTheSameUidReplacesIt() {
        snapshots.keep("shop", app("app_1", 5, 1));
        snapshots.keep("shop", app("app_1", 4, 1));
        assertThat(snapshots.app("shop").version()).isEqualTo(5);

        snapshots.keep("shop", app("app_2", 0, 1));
        assertThat(snapshots.app("shop").app().id()).as("the uid now names another application").isEqualTo("app_2");
    }

    @Test
    void keep_beyondTheEndpointBound_dropsTheLeastRecentlyUsed_andNeverKeepsOneLargerThanTheBound() {
        int half = PublishSnapshots.MAX_ENDPOINTS / 2;
        snapshots.keep("a", app("app_a", 1, half - 1));
        snapshots.keep("b", app("app_b", 1, half - 1));
        assertThat(snapshots.app("a")).isNotNull();

        snapshots.keep("c", app("app_c", 1, 10));

        assertThat(snapshots.app("b")).as("least recently used").isNull();
        assertThat(snapshots.app("a")).isNotNull();
        assertThat(snapshots.app("c")).isNotNull();

        snapshots.keep("huge", app("app_huge", 1, PublishSnapshots.MAX_ENDPOINTS));
        assertThat(snapshots.app("huge")).isNull();
        assertThat(snapshots.appCount()).isEqualTo(2);
    }

    @Test
    void forget_dropsTheApplicationAndTheEventType() {
        snapshots.keep("a", app("app_a", 1, 1));
        snapshots.keep("invoice.paid", new PublishSnapshots.Schemas(3, null));
        snapshots.keep("invoice.paid", new PublishSnapshots.Schemas(2, "{}"));
        assertThat(snapshots.schemas("invoice.paid").version()).isEqualTo(3);

        snapshots.forget("a", "invoice.paid");

        assertThat(snapshots.app("a")).isNull();
        assertThat(snapshots.schemas("invoice.paid")).isNull();
    }
}
