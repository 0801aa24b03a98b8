package io.herald.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.store.Store;
import io.herald.store.StoreSettings;
import io.herald.testing.SettableClock;
import java.nio.file.Path;
import java.time.Duration;
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
        tokens = new Tokens(store, clock);
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
        assertThat(tokens.find(issued.token())).contains(new Principal(Principal.Role.APP, "app_1", false, Tokens.hash(issued.token())));
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
}
