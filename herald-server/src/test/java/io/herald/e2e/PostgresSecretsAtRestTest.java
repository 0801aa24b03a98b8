package io.herald.e2e;

import io.herald.testing.TestPostgres;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

class PostgresSecretsAtRestTest extends SecretsAtRestTest {
    private static final Pattern HOST_PORT = Pattern.compile("^jdbc:postgresql://([^/:?]+)(?::(\\d+))?/");
    private TestPostgres.Database database;
    private TestPostgres.Database backup;

    @BeforeEach
    void database() {
        database = TestPostgres.create();
    }

    @AfterEach
    void drop() {
        if (node != null) {
            node.close();
            node = null;
        }
        database.close();
        if (backup != null) {
            backup.close();
        }
    }

    @Override
    TestHerald start(String keys) {
        return TestHerald.postgresNode(dir.resolve("node"), database, Map.of("HERALD_SECRET_KEY", keys));
    }

    @Override
    String jdbcUrl() {
        return database.url();
    }

    /** {@code pg_dump} of the test's database: what a database backup holds. */
    @Override
    byte[] stored() throws Exception {
        Matcher m = HOST_PORT.matcher(database.url());
        if (!m.find()) {
            throw new IllegalStateException("unexpected URL " + database.url());
        }
        List<String> cmd = new ArrayList<>(List.of("pg_dump", "--no-owner", "-h", m.group(1), "-U", "postgres"));
        if (m.group(2) != null) {
            cmd.addAll(List.of("-p", m.group(2)));
        }
        cmd.add(database.name());
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] dump = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("pg_dump failed");
        }
        return dump;
    }

    /** A copy of the database made by the server (CREATE DATABASE … TEMPLATE), as a restored backup would be. */
    @Override
    void backUp() {
        backup = TestPostgres.copyOf(database);
    }

    @Override
    TestHerald startOnBackup(String keys) {
        return TestHerald.postgresNode(dir.resolve("backup-node"), backup, Map.of("HERALD_SECRET_KEY", keys));
    }

    @Override
    Map<String, String> databaseSettings() {
        return Map.of("HERALD_DATABASE_URL", database.url());
    }
}
