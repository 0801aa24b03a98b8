package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.store.Store;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SqliteSecretsAtRestTest extends SecretsAtRestTest {
    private Path data() {
        return dir.resolve("data");
    }

    @Override
    TestHerald start(String keys) {
        return TestHerald.sqlite(data(), keys == null ? Map.of() : Map.of("HERALD_SECRET_KEY", keys));
    }

    @Override
    String jdbcUrl() {
        return Store.sqliteUrl(data());
    }

    /** The database file and, while a node runs, its write-ahead log and shared memory index. */
    @Override
    byte[] stored() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String name : new String[] {"herald.db", "herald.db-wal", "herald.db-shm"}) {
            Path f = data().resolve(name);
            if (Files.exists(f)) {
                out.write(Files.readAllBytes(f));
            }
        }
        return out.toByteArray();
    }

    @Override
    void backUp() throws Exception {
        Files.createDirectories(dir.resolve("backup"));
        Files.copy(data().resolve("herald.db"), dir.resolve("backup/herald.db"));
        assertThat(data().resolve("herald.db-wal")).as("closed: everything is in the file").doesNotExist();
    }

    @Override
    TestHerald startOnBackup(String keys) {
        return TestHerald.sqlite(dir.resolve("backup"), Map.of("HERALD_SECRET_KEY", keys));
    }

    @Override
    Map<String, String> databaseSettings() {
        return Map.of("HERALD_DATA_DIR", data().toString());
    }

    @Test
    void withoutASetKey_aKeyFileIsMadeOwnerOnly_andUsedOnEveryStart() throws Exception {
        node = start(null);
        node.post("/api/v1/app", "{\"name\": \"F\", \"uid\": \"f\"}", 201);
        String id = node.post("/api/v1/app/f/endpoint", "{\"url\": \"" + receiver.url("/f") + "\"}", 201).get("id").asString();
        String secret = node.get("/api/v1/app/f/endpoint/" + id + "/secret").get("key").asString();
        Path keyFile = data().resolve("herald.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
        node.close();
        node = start(null);
        assertThat(node.get("/api/v1/app/f/endpoint/" + id + "/secret").get("key").asString()).isEqualTo(secret);
        node.close();
        node = null;
        assertThat(indexOf(stored(), secret.getBytes())).isEqualTo(-1);
        String keys = Files.readString(keyFile);
        String b64 = keys.lines().filter(l -> !l.startsWith("#")).findFirst().orElseThrow().split(":")[1];
        assertThat(indexOf(stored(), b64.getBytes())).isEqualTo(-1);
    }
}
