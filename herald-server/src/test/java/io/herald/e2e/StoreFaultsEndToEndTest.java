package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.api.ApiClient;
import io.herald.store.Store;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the API answers when the database cannot take writes. */
class StoreFaultsEndToEndTest {
    @TempDir
    Path dir;

    /**
     * A full disk, made with SQLite's own limit on the file's size (max_page_count, 8 MiB here):
     * SQLite fails the write with SQLITE_FULL, exactly as on a full file system.
     */
    @Test
    void sqliteDiskFull_publishesGet503DiskFull_withRetryAfter_neverA500_andWhatWasAcceptedStays() {
        String url = Store.sqliteUrl(dir) + "?max_page_count=2048";
        try (TestHerald herald = TestHerald.sqlite(dir, Map.of("HERALD_DATABASE_URL", url))) {
            herald.api.checkedAgainstOpenApi(); // the 503 too: a reason and Retry-After, as documented
            herald.post("/api/v1/app", "{\"name\": \"A\", \"uid\": \"a\"}", 201);
            String payload = "{\"blob\": \"" + "x".repeat(100_000) + "\"}";
            List<String> accepted = new ArrayList<>();
            ApiClient.Answer refused = null;
            for (int i = 0; i < 200 && refused == null; i++) {
                ApiClient.Answer a = herald.api.post("/api/v1/app/a/msg", "{\"eventType\": \"big\", \"payload\": " + payload + "}");
                if (a.status() == 201) {
                    accepted.add(a.text("id"));
                } else {
                    refused = a;
                }
            }
            assertThat(accepted).as("the file filled up after some publishes").isNotEmpty();
            assertThat(refused).as("8 MiB hold fewer than 200 publishes of 100 KB").isNotNull();
            assertThat(refused.status()).as(refused.raw()).isEqualTo(503);
            assertThat(refused.header("Retry-After")).isEqualTo("2");
            assertThat(refused.text("code")).isEqualTo("store_unavailable");
            assertThat(refused.text("reason")).isEqualTo("disk_full");
            assertThat(refused.text("detail")).isEqualTo("the database's disk is full; nothing was written. Retry later");
            // Reads go on, and every accepted message is there.
            for (String id : accepted) {
                assertThat(herald.api.get("/api/v1/app/a/msg/" + id).status()).isEqualTo(200);
            }
            // Small writes that still fit go on too: the node is not wedged.
            assertThat(herald.api.get("/api/v1/app/a").status()).isEqualTo(200);
        }
    }
}
