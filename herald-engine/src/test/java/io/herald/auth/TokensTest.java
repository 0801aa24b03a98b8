package io.herald.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.HeraldException;
import io.herald.store.Ids;
import io.herald.store.PageRequest;
import io.herald.store.Store;
import io.herald.store.StoreSettings;
import io.herald.testing.SettableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token lookups remembered for a few seconds: what that may and may not change. */
class TokensTest {
    @TempDir
    Path dir;
    private final SettableClock clock = SettableClock.atNow();
    private Store store;
    private Tokens tokens;

    @BeforeEach
    void setUp() {
        store = Store.open(Store.sqliteUrl(dir), StoreSettings.DEFAULTS);
        tokens = new Tokens(store, new Ids(clock, new Random(7)), clock);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    @Test
    void aTokenRevokedByAnotherNode_stopsWorkingHereWithinTheRememberTime() {
        tokens.add("token-of-the-first-node", Tokens.ADMIN, Tokens.Origin.GENERATED);
        assertThat(tokens.find("token-of-the-first-node").map(Principal::role)).contains(Principal.Role.ADMIN);

        // Another node (or an operator) removes it from the shared database.
        store.jdbi().useHandle(h -> h.execute("DELETE FROM api_token"));
        clock.advance(Tokens.REMEMBER.minusMillis(1));
        assertThat(tokens.find("token-of-the-first-node").map(Principal::role)).as("still remembered").contains(Principal.Role.ADMIN);
        clock.advance(Duration.ofMillis(1));
        assertThat(tokens.find("token-of-the-first-node")).isEmpty();
    }

    @Test
    void replacingTheEnvironmentToken_revokesTheOldOneHereAtOnce() {
        tokens.replaceEnvAdmin("first-env-token-0123");
        assertThat(tokens.find("first-env-token-0123").map(Principal::role)).contains(Principal.Role.ADMIN);

        tokens.replaceEnvAdmin("second-env-token-0123");

        assertThat(tokens.find("first-env-token-0123")).isEmpty();
        assertThat(tokens.find("second-env-token-0123").map(Principal::role)).contains(Principal.Role.ADMIN);
    }

    @Test
    void anUnknownToken_isNotRemembered_soATokenAddedLaterWorksAtOnce() {
        assertThat(tokens.find("added-by-another-node")).isEmpty();
        store.jdbi().useHandle(h -> h.execute("INSERT INTO api_token (token_hash, role, origin, created_at) VALUES (?, 'admin', 'env', 0)",
                Tokens.hash("added-by-another-node")));

        assertThat(tokens.find("added-by-another-node").map(Principal::role)).contains(Principal.Role.ADMIN);
    }

    @Test
    void anApplicationToken_pastItsExpiry_isRefusedEvenWhileRemembered() {
        Tokens.Issued issued = tokens.issueForApp("app_1", false, Duration.ofHours(1));
        assertThat(tokens.find(issued.token())).contains(new Principal(Principal.Role.APP, "app_1", false, Tokens.hash(issued.token()),
                issued.principal().tokenId()));
        assertThat(issued.principal().tokenId()).startsWith("tok_");
        assertThat(issued.token()).startsWith("hrld_");

        clock.advance(Duration.ofHours(1).minusMillis(1));
        assertThat(tokens.find(issued.token())).as("one millisecond before its expiry").isPresent();
        clock.advance(Duration.ofMillis(1));
        assertThat(tokens.find(issued.token())).isEmpty();
    }

    @Test
    void anApplicationToken_isStoredOnlyAsItsHash_withItsScope() {
        Tokens.Issued issued = tokens.issueForApp("app_1", true, Duration.ofHours(2));

        var row = store.read(h -> h.createQuery("SELECT * FROM api_token WHERE app_id = 'app_1'").mapToMap().one());
        assertThat(row.values()).doesNotContain(issued.token());
        assertThat(row.get("token_hash")).isEqualTo(Tokens.hash(issued.token()));
        assertThat(row.get("role")).isEqualTo("app");
        assertThat(((Number) row.get("expires_at")).longValue()).isEqualTo(clock.millis() + Duration.ofHours(2).toMillis());
        assertThat(tokens.find(issued.token()).orElseThrow().readOnly()).isTrue();
    }

    @Test
    void revoke_forgetsTheRememberedTokenAtOnce() {
        Tokens.Issued issued = tokens.issueForApp("app_1", false, Duration.ofHours(1));
        Principal p = tokens.find(issued.token()).orElseThrow();

        tokens.revoke(p);

        assertThat(tokens.find(issued.token())).isEmpty();
    }

    @Test
    void issuing_deletesExpiredTokens_andKeepsLiveOnes() {
        Tokens.Issued old = tokens.issueForApp("app_1", false, Duration.ofHours(1));
        Tokens.Issued live = tokens.issueForApp("app_1", false, Duration.ofHours(3));
        clock.advance(Duration.ofHours(2));

        tokens.issueForApp("app_2", false, Duration.ofHours(1));

        var hashes = store.read(h -> h.createQuery("SELECT token_hash FROM api_token").mapTo(String.class).list());
        assertThat(hashes).doesNotContain(Tokens.hash(old.token())).contains(Tokens.hash(live.token()));
    }

    @Test
    void aRowWithARoleThisVersionDoesNotKnow_grantsNothing() {
        store.jdbi().useHandle(h -> h.execute("INSERT INTO api_token (token_hash, role, origin, created_at) VALUES (?, 'auditor', 'env', 0)",
                Tokens.hash("token-of-a-newer-version")));

        assertThat(tokens.find("token-of-a-newer-version")).isEmpty();
    }

    private Long lastUsedOf(String token) {
        return store.read(h -> h.createQuery("SELECT last_used_at FROM api_token WHERE token_hash = :h")
                .bind("h", Tokens.hash(token)).mapTo(Long.class).one());
    }

    @Test
    void aViewerToken_isReadOnly_andNamesNoApplication() {
        Tokens.Created made = tokens.create(new Tokens.Spec(Principal.Role.VIEWER, null, false, null, "dashboards"));

        Principal p = tokens.find(made.token()).orElseThrow();
        assertThat(p.role()).isEqualTo(Principal.Role.VIEWER);
        assertThat(p.readOnly()).isTrue();
        assertThat(p.appId()).isNull();
        assertThat(p.tokenId()).isEqualTo(made.record().id());
        assertThat(made.record().prefix()).isEqualTo(made.token().substring(0, 12));
        assertThat(made.record().expiresAt()).isNull();
    }

    @Test
    void aCreatedToken_isListedAndShownWithoutItsSecret_andRevokedByIdAtOnce() {
        Tokens.Created admin = tokens.create(new Tokens.Spec(Principal.Role.ADMIN, null, false, Duration.ofDays(1), null));
        clock.advance(Duration.ofMillis(1)); // ids of one millisecond sort at random
        Tokens.Created app = tokens.create(new Tokens.Spec(Principal.Role.APP, "app_1", true, null, "tenant"));
        assertThat(tokens.find(admin.token())).isPresent();

        var page = tokens.list(null, new PageRequest(50, null, true));
        assertThat(page.data()).extracting(Tokens.Token::id).containsExactly(app.record().id(), admin.record().id());
        assertThat(page.data().toString()).doesNotContain(admin.token()).doesNotContain(Tokens.hash(admin.token()));
        assertThat(tokens.list("app_1", new PageRequest(50, null, true)).data()).extracting(Tokens.Token::id)
                .containsExactly(app.record().id());
        assertThat(tokens.get(admin.record().id()).expiresAt()).isEqualTo(java.time.Instant.ofEpochMilli(clock.millis() - 1 + Duration.ofDays(1).toMillis()));

        tokens.revoke(admin.record().id());

        assertThat(tokens.find(admin.token())).isEmpty();
        assertThatThrownBy(() -> tokens.get(admin.record().id())).isInstanceOf(HeraldException.NotFound.class);
        assertThatThrownBy(() -> tokens.revoke(admin.record().id())).isInstanceOf(HeraldException.NotFound.class);
        assertThat(tokens.find(app.token())).isPresent();
    }

    @Test
    void theEnvironmentsAdminToken_cannotBeRevokedById_andKeepsNoPrefix() {
        tokens.replaceEnvAdmin("env-admin-token-0123456789");
        Tokens.Token env = tokens.list(null, new PageRequest(50, null, true)).data().get(0);
        assertThat(env.origin()).isEqualTo(Tokens.Origin.ENV);
        assertThat(env.prefix()).isNull();

        assertThatThrownBy(() -> tokens.revoke(env.id())).isInstanceOf(HeraldException.Conflict.class);
        assertThat(tokens.find("env-admin-token-0123456789")).isPresent();
    }

    @Test
    void anAdminTokenWithALifetime_pastIt_isRefused() {
        Tokens.Created made = tokens.create(new Tokens.Spec(Principal.Role.ADMIN, null, false, Duration.ofMinutes(1), null));
        assertThat(tokens.find(made.token())).isPresent();

        clock.advance(Duration.ofMinutes(1));

        assertThat(tokens.find(made.token())).isEmpty();
    }

    @Test
    void lastUsed_isNotedAtMostOncePerInterval_andWrittenOnlyInBatches() {
        Tokens.Created made = tokens.create(new Tokens.Spec(Principal.Role.VIEWER, null, false, null, null));
        long first = clock.millis();
        for (int i = 0; i < 100; i++) {
            tokens.find(made.token());
        }
        assertThat(lastUsedOf(made.token())).as("no write on the call's path").isNull();

        assertThat(tokens.writeLastUsed()).isEqualTo(1);
        assertThat(lastUsedOf(made.token())).isEqualTo(first);
        assertThat(tokens.writeLastUsed()).as("nothing new to write").isZero();

        clock.advance(Tokens.LAST_USED_EVERY.minusMillis(1));
        tokens.find(made.token());
        assertThat(tokens.writeLastUsed()).as("used again within the interval: not noted").isZero();

        clock.advance(Duration.ofMillis(1));
        tokens.find(made.token());
        assertThat(tokens.writeLastUsed()).isEqualTo(1);
        assertThat(lastUsedOf(made.token())).isEqualTo(first + Tokens.LAST_USED_EVERY.toMillis());
        assertThat(tokens.get(made.record().id()).lastUsedAt().toEpochMilli()).isEqualTo(first + Tokens.LAST_USED_EVERY.toMillis());
    }

    @Test
    void expireAll_cutsAnApplicationsTokensWithoutExpiryToo() {
        Tokens.Created forever = tokens.create(new Tokens.Spec(Principal.Role.APP, "app_1", false, null, null));

        tokens.expireAll("app_1", Duration.ZERO);

        assertThat(tokens.find(forever.token())).isEmpty();
    }
}
