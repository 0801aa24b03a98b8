package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.testing.TestPostgres;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * On PostgreSQL, every column that holds an id, or an eventId, compares bytewise (the "C"
 * collation), as the ids themselves do: a join of an id to a column in another collation cannot use
 * that column's index, and placing entries through the locale costs more (V21_1). Databases here
 * sort by ICU en-US where the server has it (TestPostgres), as many production servers do.
 */
class PostgresIdCollationTest {
    private TestPostgres.Database database;

    @AfterEach
    void drop() {
        if (database != null) {
            database.close();
        }
    }

    @Test
    void everyIdColumn_andTheEventId_comparesBytewise() {
        database = TestPostgres.create();
        Jdbi db = Jdbi.create(database.url());

        db.useHandle(h -> {
            Map<String, String> columns = idColumns(h);
            assertThat(columns).as("text columns named id or *_id").hasSizeGreaterThan(20);
            assertThat(columns).as("a column holding an id must be COLLATE \"C\" on PostgreSQL (see V21_1)")
                    .allSatisfy((column, collation) -> assertThat(collation).as(column).isEqualTo("C"));
        });
    }

    @Test
    void joinsFromAnId_findTheRowsThatReferToItThroughTheirIndex() {
        database = TestPostgres.create();
        Jdbi db = Jdbi.create(database.url());

        db.useHandle(h -> {
            // Rows and statistics, so that the planner weighs a lookup per row against reading an index whole.
            h.execute("""
                    INSERT INTO message (id, app_id, event_type, event_id, payload, created_at)
                    SELECT 'msg_' || g, 'app_' || (g % 20), 'invoice.paid', 'evt_' || g, '{}', 0 FROM generate_series(1, 2000) g""");
            h.execute("""
                    INSERT INTO delivery (id, app_id, message_id, endpoint_id, status, trigger_type, attempts, version,
                                          created_at, updated_at)
                    SELECT 'dlv_' || g, 'app_' || (g % 20), 'msg_' || g, 'ep_' || (g % 20), 'succeeded', 0, 1, 1, 0, 0
                    FROM generate_series(1, 2000) g""");
            h.execute("ANALYZE message, delivery");
            // As a publish that reads its plan asks whether the eventId is taken in the application.
            assertThat(plan(h, """
                    SELECT EXISTS (SELECT 1 FROM message m WHERE m.app_id = a.id AND m.event_id = 'evt_1')
                    FROM application a WHERE a.id = 'app_1'"""))
                    .contains("message_app_event_id")
                    .containsPattern("Index Cond: \\(\\(app_id = a\\.id\\) AND \\(event_id = ");
            assertThat(plan(h, """
                    SELECT d.id FROM message m JOIN delivery d ON d.message_id = m.id WHERE m.app_id = 'app_1'"""))
                    .contains("delivery_message")
                    .containsPattern("Index Cond: \\(message_id = m\\.id\\)");
        });
    }

    @Test
    void aDatabaseUpgradedFromV21_keepsItsRows_itsUniqueEventIds_andItsTriggers() {
        database = TestPostgres.blank();
        Flyway.configure().dataSource(database.url(), null, null).locations(Dialect.POSTGRESQL.migrations())
                .target("21").load().migrate();
        Jdbi db = Jdbi.create(database.url());
        String trigger = db.withHandle(PostgresIdCollationTest::endpointChanged);
        db.useHandle(h -> {
            assertThat(idColumns(h).get("message.app_id")).as("before V21_1").isNotEqualTo("C");
            h.execute("""
                    INSERT INTO application (id, name, metadata, created_at, updated_at)
                    VALUES ('app_1', 'a', '{}', 0, 0), ('app_Z', 'z', '{}', 0, 0)""");
            h.execute("""
                    INSERT INTO endpoint (id, app_id, url, description, version, disabled, headers, metadata, secret,
                                          old_secrets, created_at, updated_at)
                    VALUES ('ep_1', 'app_1', 'https://example.com/a', '', 1, false, '{}', '{}', 'x', '[]', 0, 0)""");
            h.execute("""
                    INSERT INTO message (id, app_id, event_type, event_id, payload, created_at)
                    VALUES ('msg_1', 'app_1', 'invoice.paid', 'evt_1', '{}', 0),
                           ('msg_2', 'app_Z', 'invoice.paid', 'evt_1', '{}', 0)""");
        });

        Store.open(database.url(), StoreSettings.DEFAULTS).close();

        db.useHandle(h -> {
            assertThat(idColumns(h)).allSatisfy((column, collation) -> assertThat(collation).as(column).isEqualTo("C"));
            assertThat(h.createQuery("SELECT id FROM message WHERE app_id = 'app_1' AND event_id = 'evt_1'")
                    .mapTo(String.class).list()).containsExactly("msg_1");
            assertThatThrownBy(() -> h.execute("""
                    INSERT INTO message (id, app_id, event_type, event_id, payload, created_at)
                    VALUES ('msg_3', 'app_1', 'invoice.paid', 'evt_1', '{}', 0)"""))
                    .hasMessageContaining("message_app_event_id");
            // endpoint_changed was made again, as it was: changing an endpoint still moves its application's version.
            assertThat(endpointChanged(h)).isEqualTo(trigger);
            long before = configVersion(h);
            h.execute("UPDATE endpoint SET url = 'https://example.com/b' WHERE id = 'ep_1'");
            assertThat(configVersion(h)).isEqualTo(before + 1);
            h.execute("UPDATE endpoint SET failures = failures + 1 WHERE id = 'ep_1'");
            assertThat(configVersion(h)).as("health is not configuration").isEqualTo(before + 1);
        });
    }

    private static String endpointChanged(Handle h) {
        return h.createQuery("""
                SELECT pg_get_triggerdef(oid) FROM pg_trigger
                WHERE tgrelid = 'endpoint'::regclass AND tgname = 'endpoint_changed'""").mapTo(String.class).one();
    }

    private static long configVersion(Handle h) {
        return h.createQuery("SELECT config_version FROM application WHERE id = 'app_1'").mapTo(Long.class).one();
    }

    /**
     * Table.column to its collation ("-" for the database's default), for every text column named
     * id or *_id, and those that hold ids under another name.
     */
    private static Map<String, String> idColumns(Handle h) {
        Map<String, String> columns = new java.util.TreeMap<>();
        h.createQuery("""
                        SELECT table_name || '.' || column_name AS col, COALESCE(collation_name, '-') AS collation
                        FROM information_schema.columns
                        WHERE table_schema = current_schema() AND data_type = 'text'
                          AND (column_name = 'id' OR column_name LIKE '%\\_id'
                               OR (table_name, column_name) IN (('pace', 'pace_key'), ('flight', 'holder'),
                                                                ('endpoint', 'fifo_active')))
                          AND table_name <> 'flyway_schema_history'""")
                .map((rs, ctx) -> Map.entry(rs.getString("col"), rs.getString("collation")))
                .forEach(e -> columns.put(e.getKey(), e.getValue()));
        return columns;
    }

    /**
     * The plan PostgreSQL makes for {@code sql} when it may neither read a table whole nor join by
     * hashing or merging (on tables this small those would look as good as any index).
     */
    private static String plan(Handle h, String sql) {
        h.execute("SET enable_seqscan = off");
        h.execute("SET enable_hashjoin = off");
        h.execute("SET enable_mergejoin = off");
        try {
            List<String> lines = h.createQuery("EXPLAIN (COSTS OFF) " + sql).mapTo(String.class).list();
            return String.join("\n", lines);
        } finally {
            h.execute("RESET ALL");
        }
    }
}
