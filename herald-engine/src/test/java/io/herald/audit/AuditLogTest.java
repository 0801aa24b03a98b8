package io.herald.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.store.Ids;
import io.herald.store.Page;
import io.herald.store.PageRequest;
import io.herald.store.Store;
import io.herald.store.StoreSettings;
import io.herald.testing.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The audit log's storage on each database (one subclass per database): rows, filters, paging, retention. */
abstract class AuditLogTest {
    final SettableClock clock = SettableClock.atNow();
    Store store;
    AuditLog audit;

    abstract String createDatabase();

    abstract void dropDatabase();

    @BeforeEach
    void setUp() {
        store = Store.open(createDatabase(), StoreSettings.DEFAULTS);
        audit = new AuditLog(store, new Ids(clock, new Random(3)), clock, Duration.ofDays(30));
    }

    @AfterEach
    void tearDown() {
        store.close();
        dropDatabase();
    }

    private static AuditEntry.Change change(String token, String method, String route, String app) {
        return new AuditEntry.Change(token, "admin", null, method, route, 201, app,
                app == null ? Map.of() : Map.of("app_id", app), "ep_1", List.of("url", "secret"), "203.0.113.7");
    }

    @Test
    void append_storesTheChange_andListReadsItBack() {
        AuditEntry.Change c = change("tok_a", "POST", "/api/v1/app/{app_id}/endpoint", "app_1");

        AuditEntry written = audit.append(c);

        Page<AuditEntry> page = audit.list(AuditQuery.ALL, new PageRequest(50, null, true));
        assertThat(page.data()).containsExactly(written);
        assertThat(written.change()).isEqualTo(c);
        assertThat(written.id()).startsWith("audit_");
        assertThat(written.at().toEpochMilli()).isEqualTo(clock.millis());
    }

    @Test
    void list_filtersByTimeTokenApplicationRouteAndMethod_newestFirst() {
        Instant start = clock.instant();
        AuditEntry first = audit.append(change("tok_a", "POST", "/api/v1/app", null));
        clock.advance(Duration.ofMinutes(1));
        AuditEntry second = audit.append(change("tok_b", "PATCH", "/api/v1/app/{app_id}", "app_1"));
        clock.advance(Duration.ofMinutes(1));
        AuditEntry third = audit.append(change("tok_a", "DELETE", "/api/v1/app/{app_id}", "app_2"));
        PageRequest all = new PageRequest(50, null, true);

        assertThat(audit.list(AuditQuery.ALL, all).data()).containsExactly(third, second, first);
        assertThat(audit.list(new AuditQuery(null, null, "tok_a", null, null, null), all).data()).containsExactly(third, first);
        assertThat(audit.list(new AuditQuery(null, null, null, "app_1", null, null), all).data()).containsExactly(second);
        assertThat(audit.list(new AuditQuery(null, null, null, null, "/api/v1/app/{app_id}", null), all).data())
                .containsExactly(third, second);
        assertThat(audit.list(new AuditQuery(null, null, null, null, null, "DELETE"), all).data()).containsExactly(third);
        assertThat(audit.list(new AuditQuery(start.plus(Duration.ofMinutes(2)), start, null, null, null, null), all).data())
                .as("before and after are exclusive").containsExactly(second);
        assertThat(audit.list(AuditQuery.ALL, new PageRequest(50, null, false)).data()).containsExactly(first, second, third);
    }

    @Test
    void list_pagesWithIterators() {
        List<AuditEntry> written = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            written.add(0, audit.append(change("tok_a", "POST", "/api/v1/app", null)));
            clock.advance(Duration.ofMillis(1));
        }

        Page<AuditEntry> one = audit.list(AuditQuery.ALL, new PageRequest(2, null, true));
        Page<AuditEntry> two = audit.list(AuditQuery.ALL, new PageRequest(2, one.iterator(), true));
        Page<AuditEntry> three = audit.list(AuditQuery.ALL, new PageRequest(2, two.iterator(), true));
        Page<AuditEntry> back = audit.list(AuditQuery.ALL, new PageRequest(2, two.prevIterator(), true));

        assertThat(one.data()).containsExactlyElementsOf(written.subList(0, 2));
        assertThat(two.data()).containsExactlyElementsOf(written.subList(2, 4));
        assertThat(three.data()).containsExactlyElementsOf(written.subList(4, 5));
        assertThat(three.done()).isTrue();
        assertThat(back.data()).containsExactlyElementsOf(written.subList(0, 2));
    }

    @Test
    void purgeExpired_deletesRowsPastTheRetentionOnly_inBatches() {
        for (int i = 0; i < AuditLog.PURGE_BATCH + 3; i++) {
            audit.append(change("tok_old", "POST", "/api/v1/app", null));
        }
        clock.advance(Duration.ofDays(10));
        AuditEntry recent = audit.append(change("tok_new", "POST", "/api/v1/app", null));

        clock.advance(Duration.ofDays(20));
        assertThat(audit.purgeExpired()).as("exactly 30 days old: kept").isZero();
        clock.advance(Duration.ofMillis(1));
        assertThat(audit.purgeExpired()).isEqualTo(AuditLog.PURGE_BATCH + 3);

        assertThat(audit.list(AuditQuery.ALL, new PageRequest(50, null, true)).data()).containsExactly(recent);
    }
}
