package io.herald.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.store.Ids;
import io.herald.store.Store;
import io.herald.store.StoreSettings;
import io.herald.testing.SettableClock;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Web sessions on each database (one subclass per database): a session is its parent token's principal. */
abstract class WebSessionsTest {
    final SettableClock clock = SettableClock.atNow();
    Store store;
    Tokens tokens;
    WebSessions sessions;

    abstract String createDatabase();

    abstract void dropDatabase();

    @BeforeEach
    void setUp() {
        store = Store.open(createDatabase(), StoreSettings.DEFAULTS);
        tokens = new Tokens(store, new Ids(clock, new Random(5)), clock);
        sessions = new WebSessions(store, tokens, clock);
    }

    @AfterEach
    void tearDown() {
        store.close();
        dropDatabase();
    }

    private Principal viewer() {
        Tokens.Created c = tokens.create(new Tokens.Spec(Principal.Role.VIEWER, null, true, null, null));
        return tokens.find(c.token()).orElseThrow();
    }

    @Test
    void open_thenFind_speaksForTheParentToken_onlyForItsKind_andCloseEndsIt() {
        Principal viewer = viewer();
        WebSessions.Opened s = sessions.open(WebSessions.Kind.CONSOLE, viewer, WebSessions.CONSOLE_LIFETIME);

        assertThat(sessions.find(WebSessions.Kind.CONSOLE, s.secret())).contains(viewer);
        assertThat(sessions.find(WebSessions.Kind.PORTAL, s.secret())).as("another kind").isEmpty();
        assertThat(sessions.find(WebSessions.Kind.CONSOLE, s.secret() + "x")).as("another secret").isEmpty();
        String stored = store.read(h -> h.createQuery("SELECT id_hash FROM web_session").mapTo(String.class).one());
        assertThat(stored).as("only the hash is stored").isNotEqualTo(s.secret()).hasSize(64);

        sessions.close(s.secret());
        assertThat(sessions.find(WebSessions.Kind.CONSOLE, s.secret())).isEmpty();
    }

    @Test
    void eachOpen_makesANewSecret() {
        Principal viewer = viewer();
        assertThat(sessions.open(WebSessions.Kind.CONSOLE, viewer, Duration.ofHours(1)).secret())
                .isNotEqualTo(sessions.open(WebSessions.Kind.CONSOLE, viewer, Duration.ofHours(1)).secret());
    }

    @Test
    void aSession_endsWhenItExpires_andWhenItsTokenIsRevoked() {
        Principal viewer = viewer();
        WebSessions.Opened shortOne = sessions.open(WebSessions.Kind.CONSOLE, viewer, Duration.ofMinutes(10));
        WebSessions.Opened longOne = sessions.open(WebSessions.Kind.CONSOLE, viewer, Duration.ofHours(1));

        clock.advance(Duration.ofMinutes(10));
        assertThat(sessions.find(WebSessions.Kind.CONSOLE, shortOne.secret())).isEmpty();
        assertThat(sessions.find(WebSessions.Kind.CONSOLE, longOne.secret())).contains(viewer);
        assertThat(sessions.purgeExpired()).isEqualTo(1);

        tokens.revoke(viewer.tokenId());
        assertThat(sessions.find(WebSessions.Kind.CONSOLE, longOne.secret())).as("revoked on this node: at once").isEmpty();
    }

    @Test
    void aSessionOpenedOnOneNode_worksOnAnother_untilItIsClosedOnEither() {
        // Another node: its own token cache over the same database.
        Tokens otherTokens = new Tokens(store, new Ids(clock, new Random(6)), clock);
        WebSessions otherNode = new WebSessions(store, otherTokens, clock);
        Principal viewer = viewer();
        WebSessions.Opened s = sessions.open(WebSessions.Kind.CONSOLE, viewer, WebSessions.CONSOLE_LIFETIME);

        assertThat(otherNode.find(WebSessions.Kind.CONSOLE, s.secret())).contains(viewer);
        sessions.close(s.secret());
        assertThat(otherNode.find(WebSessions.Kind.CONSOLE, s.secret())).as("a sign-out is seen at once").isEmpty();
    }

    @Test
    void findById_believesTheDatabaseAgainAfterTheRememberTime() {
        Principal viewer = viewer();
        assertThat(tokens.findById(viewer.tokenId())).contains(viewer);
        assertThat(tokens.findById("tok_unknown")).isEmpty();

        // Another node revokes it in the shared database.
        store.inTransaction(h -> h.execute("DELETE FROM api_token WHERE id = ?", viewer.tokenId()));
        assertThat(tokens.findById(viewer.tokenId())).as("still remembered").contains(viewer);
        clock.advance(Tokens.REMEMBER);
        assertThat(tokens.findById(viewer.tokenId())).isEmpty();
    }

    private Principal appToken() {
        Tokens.Created c = tokens.create(new Tokens.Spec(Principal.Role.APP, "app_1", false, Duration.ofHours(2), null));
        return tokens.find(c.token()).orElseThrow();
    }

    @Test
    void anEntryCode_isRedeemedOnce_intoAPortalSessionOfTheSameToken() {
        Principal app = appToken();
        WebSessions.Opened entry = sessions.open(WebSessions.Kind.ENTRY, app, Duration.ofHours(1));
        assertThat(sessions.find(WebSessions.Kind.PORTAL, entry.secret())).as("a code is not a session").isEmpty();

        WebSessions.Opened portal = sessions.redeem(entry.secret()).orElseThrow();
        assertThat(portal.secret()).isNotEqualTo(entry.secret());
        assertThat(sessions.find(WebSessions.Kind.PORTAL, portal.secret())).contains(app);
        assertThat(portal.expiresAt()).as("as long as the code would have lasted").isEqualTo(entry.expiresAt());
        assertThat(sessions.redeem(entry.secret())).as("spent").isEmpty();
        assertThat(sessions.redeem("unknown")).isEmpty();

        WebSessions.Opened late = sessions.open(WebSessions.Kind.ENTRY, app, Duration.ofMinutes(5));
        clock.advance(Duration.ofMinutes(5));
        assertThat(sessions.redeem(late.secret())).as("expired").isEmpty();
        WebSessions.Opened console = sessions.open(WebSessions.Kind.CONSOLE, viewer(), Duration.ofHours(1));
        assertThat(sessions.redeem(console.secret())).as("a session is not a code").isEmpty();
    }

    @Test
    void twoRedemptionsOfOneCodeAtOnce_oneWins() throws Exception {
        Principal app = appToken();
        // Another node: its own token cache over the same database.
        WebSessions otherNode = new WebSessions(store, new Tokens(store, new Ids(clock, new Random(7)), clock), clock);
        for (int round = 0; round < 5; round++) {
            String code = sessions.open(WebSessions.Kind.ENTRY, app, Duration.ofHours(1)).secret();
            CountDownLatch go = new CountDownLatch(1);
            try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
                Future<Optional<WebSessions.Opened>> a = pool.submit(() -> {
                    go.await();
                    return sessions.redeem(code);
                });
                Future<Optional<WebSessions.Opened>> b = pool.submit(() -> {
                    go.await();
                    return otherNode.redeem(code);
                });
                go.countDown();
                assertThat(Stream.of(a.get(), b.get()).filter(Optional::isPresent).count()).as("round " + round).isEqualTo(1);
            }
        }
    }
}
