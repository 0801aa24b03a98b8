package io.herald.endpoint;

import io.herald.secret.Keyring;
import io.herald.store.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the endpoints' secrets encrypted at rest (columns {@code secret}, {@code old_secrets},
 * {@code headers}; operational endpoints included). At start ({@link #prepare}) every encrypted
 * value is opened once, so a missing or wrong key stops start-up before anything is served, and
 * values an earlier version wrote in plain text are encrypted. On command ({@link #reencrypt})
 * every value not encrypted with the newest key is encrypted again with it.
 *
 * <p>Both go through the endpoints in batches, each written in a transaction of its own and only
 * where the row still holds what was read: they run beside serving nodes, and a row that a request
 * changed meanwhile keeps what that request wrote (which a node sealed with its newest key). On
 * SQLite the overwritten values are zeroed in the file and the write-ahead log is emptied
 * afterwards, so neither keeps the old form; on PostgreSQL old row versions remain in the table's
 * pages until VACUUM reuses them, and every backup keeps what it held.
 */
public final class SecretsAtRest {
    public static final int DEFAULT_BATCH = 200;
    private static final Logger log = LoggerFactory.getLogger(SecretsAtRest.class);
    private static final String NO_PREVIOUS = "[]";
    private static final String NO_HEADERS = "{}";

    private SecretsAtRest() {}

    /**
     * What a pass saw: endpoints read, rows it rewrote, encrypted values per key id and values still
     * in plain text (both as read, or as written when it rewrote them).
     */
    public record Report(int endpoints, int rewritten, Map<String, Integer> byKey, int plain) {
        /** Values encrypted with another key than {@code currentId}, or not at all. */
        public int notUnder(String currentId) {
            return plain + byKey.entrySet().stream().filter(e -> !e.getKey().equals(currentId)).mapToInt(Map.Entry::getValue).sum();
        }
    }

    private record Row(String id, String secret, String oldSecrets, String headers) {}

    /**
     * At start: opens every encrypted value, throwing {@link Keyring.Unusable} (naming the endpoint,
     * the key id and where the keys came from) for the first one that does not open; encrypts the
     * plain ones.
     */
    public static Report prepare(Store store, Keyring keyring) {
        Report r = pass(store, keyring, false, DEFAULT_BATCH, line -> { });
        if (r.rewritten() > 0) {
            log.info("encrypted the secrets and custom headers of {} endpoints that an earlier version stored in plain text",
                    r.rewritten());
        }
        log.info("secrets at rest: {} endpoints; encrypted values per key: {}; new values use key '{}' ({})",
                r.endpoints(), r.byKey(), keyring.currentId(), keyring.source());
        return r;
    }

    /**
     * Encrypts again with the newest key every value encrypted with another one (and any plain
     * one), {@code batch} endpoints per transaction, telling {@code progress} after each. First
     * checks that every value opens (nothing is written when one does not), and ends with a count
     * of what is still not under the newest key: values a node wrote meanwhile with an older key
     * as its newest.
     */
    public static Report reencrypt(Store store, Keyring keyring, int batch, Consumer<String> progress) {
        Report before = pass(store, keyring, false, batch, line -> { }, false);
        progress.accept("checked " + before.endpoints() + " endpoints: every value opens; values per key: " + before.byKey()
                + (before.plain() > 0 ? ", plain: " + before.plain() : ""));
        Report done = pass(store, keyring, true, batch, progress);
        Report after = pass(store, keyring, false, batch, line -> { }, false);
        progress.accept("re-encrypted " + done.rewritten() + " endpoints; values per key now: " + after.byKey()
                + (after.plain() > 0 ? ", plain: " + after.plain() : ""));
        return new Report(after.endpoints(), done.rewritten(), after.byKey(), after.plain());
    }

    private static Report pass(Store store, Keyring keyring, boolean reencrypt, int batch, Consumer<String> progress) {
        return pass(store, keyring, reencrypt, batch, progress, true);
    }

    private static Report pass(Store store, Keyring keyring, boolean reencrypt, int batch, Consumer<String> progress,
                               boolean write) {
        Map<String, Integer> byKey = new TreeMap<>();
        int[] plain = {0};
        int endpoints = 0;
        int rewritten = 0;
        String after = "";
        while (true) {
            String from = after;
            List<Row> rows = store.read(h -> h.createQuery("""
                    SELECT id, secret, old_secrets, headers FROM endpoint WHERE id > :after ORDER BY id LIMIT :n""")
                    .bind("after", from).bind("n", batch)
                    .map((rs, ctx) -> new Row(rs.getString("id"), rs.getString("secret"), rs.getString("old_secrets"),
                            rs.getString("headers")))
                    .list());
            if (rows.isEmpty()) {
                break;
            }
            List<Row[]> changes = new ArrayList<>();
            for (Row row : rows) {
                // Opening is the check: a missing or wrong key throws here, naming the value.
                Secrets secrets = Secrets.read(row.id(), row.secret(), row.oldSecrets(), () -> keyring);
                CustomHeaders headers = CustomHeaders.read(row.headers(), row.id(), () -> keyring);
                Row next = write ? rewrite(row, secrets, headers, keyring, reencrypt) : row;
                if (next != row) {
                    changes.add(new Row[] {row, next});
                }
                count(next, byKey, plain);
            }
            if (!changes.isEmpty()) {
                rewritten += store.inTransaction(h -> {
                    store.dialect().eraseOverwritten(h, true);
                    try {
                        int n = 0;
                        for (Row[] c : changes) {
                            n += h.createUpdate("""
                                    UPDATE endpoint SET secret = :secret, old_secrets = :old, headers = :headers
                                    WHERE id = :id AND secret = :was_secret AND old_secrets = :was_old AND headers = :was_headers""")
                                    .bind("secret", c[1].secret()).bind("old", c[1].oldSecrets()).bind("headers", c[1].headers())
                                    .bind("was_secret", c[0].secret()).bind("was_old", c[0].oldSecrets())
                                    .bind("was_headers", c[0].headers()).bind("id", c[0].id())
                                    .execute();
                        }
                        return n;
                    } finally {
                        store.dialect().eraseOverwritten(h, false);
                    }
                });
            }
            endpoints += rows.size();
            after = rows.getLast().id();
            progress.accept("endpoints read: " + endpoints + ", rewritten: " + rewritten);
        }
        if (rewritten > 0) {
            store.read(h -> {
                store.dialect().checkpoint(h);
                return null;
            });
        }
        return new Report(endpoints, rewritten, byKey, plain[0]);
    }

    /**
     * The row with its plain values encrypted and, when {@code reencrypt}, its values under older
     * keys encrypted again; {@code row} itself when nothing changes.
     */
    private static Row rewrite(Row row, Secrets secrets, CustomHeaders headers, Keyring keyring, boolean reencrypt) {
        boolean secret = stale(row.secret(), keyring, reencrypt);
        boolean old = !row.oldSecrets().equals(NO_PREVIOUS) && stale(row.oldSecrets(), keyring, reencrypt);
        boolean hdrs = !row.headers().equals(NO_HEADERS) && stale(row.headers(), keyring, reencrypt);
        if (!secret && !old && !hdrs) {
            return row;
        }
        return new Row(row.id(),
                secret ? secrets.currentColumn(keyring, row.id()) : row.secret(),
                old ? secrets.previousColumn(keyring, row.id()) : row.oldSecrets(),
                hdrs ? headers.write(keyring, row.id()) : row.headers());
    }

    private static boolean stale(String column, Keyring keyring, boolean reencrypt) {
        return !Keyring.isSealed(column) || (reencrypt && !keyring.isCurrent(column));
    }

    private static void count(Row row, Map<String, Integer> byKey, int[] plain) {
        for (String v : new String[] {row.secret(), row.oldSecrets(), row.headers()}) {
            if (Keyring.isSealed(v)) {
                byKey.merge(Keyring.keyIdOf(v), 1, Integer::sum);
            } else if (!v.equals(NO_PREVIOUS) && !v.equals(NO_HEADERS)) {
                plain[0]++;
            }
        }
    }
}
