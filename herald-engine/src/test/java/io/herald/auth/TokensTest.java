package io.herald.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.store.Store;
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
        store = Store.open(Store.sqliteUrl(dir), 4);
        tokens = new Tokens(store, clock);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    @Test
    void aTokenRevokedByAnotherNode_stopsWorkingHereWithinTheRememberTime() {
        tokens.add("token-of-the-first-node", Tokens.ADMIN, Tokens.Origin.GENERATED);
        assertThat(tokens.roleOf("token-of-the-first-node")).contains(Tokens.ADMIN);

        // Another node (or an operator) removes it from the shared database.
        store.jdbi().useHandle(h -> h.execute("DELETE FROM api_token"));
        clock.advance(Tokens.REMEMBER.minusMillis(1));
        assertThat(tokens.roleOf("token-of-the-first-node")).as("still remembered").contains(Tokens.ADMIN);
        clock.advance(Duration.ofMillis(1));
        assertThat(tokens.roleOf("token-of-the-first-node")).isEmpty();
    }

    @Test
    void replacingTheEnvironmentToken_revokesTheOldOneHereAtOnce() {
        tokens.replaceEnvAdmin("first-env-token-0123");
        assertThat(tokens.roleOf("first-env-token-0123")).contains(Tokens.ADMIN);

        tokens.replaceEnvAdmin("second-env-token-0123");

        assertThat(tokens.roleOf("first-env-token-0123")).isEmpty();
        assertThat(tokens.roleOf("second-env-token-0123")).contains(Tokens.ADMIN);
    }

    @Test
    void anUnknownToken_isNotRemembered_soATokenAddedLaterWorksAtOnce() {
        assertThat(tokens.roleOf("added-by-another-node")).isEmpty();
        store.jdbi().useHandle(h -> h.execute("INSERT INTO api_token (token_hash, role, origin, created_at) VALUES (?, 'admin', 'env', 0)",
                Tokens.hash("added-by-another-node")));

        assertThat(tokens.roleOf("added-by-another-node")).contains(Tokens.ADMIN);
    }
}
