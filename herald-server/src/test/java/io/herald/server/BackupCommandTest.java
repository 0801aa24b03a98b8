package io.herald.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.api.ApiClient;
import io.herald.e2e.TestHerald;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code herald backup FILE} beside a running server, as an operator runs it. */
class BackupCommandTest {
    @TempDir
    Path dir;

    record Run(int status, String out, String err) {}

    private Run backup(Map<String, String> env, String... args) {
        Main.Backup command = new Main.Backup();
        command.environment = env;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = new CommandLine(command).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args);
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void backup_ofARunningServer_isACopyThatOpens_andNamesTheKeyFileToKeep() throws Exception {
        Path data = dir.resolve("data");
        try (TestHerald herald = TestHerald.sqlite(data, Map.of())) {
            ApiClient api = herald.api;
            assertThat(api.post("/api/v1/app", "{\"name\": \"shop\", \"uid\": \"shop\"}").status()).isEqualTo(201);
            for (int i = 0; i < 5; i++) {
                assertThat(api.post("/api/v1/app/shop/msg", "{\"eventType\": \"order.paid\", \"payload\": {\"n\": " + i + "}}")
                        .status()).isEqualTo(201);
            }

            Path file = dir.resolve("herald-copy.db");
            Run run = backup(Map.of("HERALD_DATA_DIR", data.toString()), file.toString());

            assertThat(run.status()).as(run.err()).isZero();
            assertThat(run.out()).contains("backup written: " + file.toAbsolutePath())
                    .contains("5 messages").contains(data.resolve("herald.key").toAbsolutePath().toString());
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                 ResultSet r = c.createStatement().executeQuery(
                         "SELECT COUNT(*) FROM message m JOIN application a ON a.id = m.app_id WHERE a.uid = 'shop'")) {
                r.next();
                assertThat(r.getLong(1)).isEqualTo(5);
            }
            // The server was not stopped or held up by it.
            assertThat(api.post("/api/v1/app/shop/msg", "{\"eventType\": \"order.paid\", \"payload\": {}}").status())
                    .isEqualTo(201);
        }
    }

    @Test
    void backup_refusals_exitWith2_andSayWhy() throws Exception {
        Path existing = Files.writeString(dir.resolve("taken.db"), "x");
        Run onPostgres = backup(Map.of("HERALD_DATABASE_URL", "jdbc:postgresql://127.0.0.1/herald"), "copy.db");
        assertThat(onPostgres.status()).isEqualTo(2);
        assertThat(onPostgres.err()).contains("pg_dump");

        Run noDatabase = backup(Map.of("HERALD_DATA_DIR", dir.resolve("empty").toString()), dir.resolve("c.db").toString());
        assertThat(noDatabase.status()).isEqualTo(2);
        assertThat(noDatabase.err()).contains("no database at");

        Run taken = backup(Map.of("HERALD_DATA_DIR", dir.toString()), existing.toString());
        assertThat(taken.status()).isEqualTo(2);

        Run noFile = backup(Map.of());
        assertThat(noFile.status()).as("FILE is required").isEqualTo(2);
        assertThat(noFile.err()).contains("FILE");
    }
}
