package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nodes of two versions side by side during a rolling upgrade. */
class StoreUpgradeTest {
    @TempDir
    Path dir;

    @Test
    void aNodeStarts_onASchemaThatANewerVersionMigratedFurther() {
        String url = Store.sqliteUrl(dir);
        Store.open(url, StoreSettings.DEFAULTS).close();
        // What a newer version's migration leaves in the history: a version this code does not know.
        Jdbi.create(url).useHandle(h -> h.execute("""
                INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,
                    installed_by, installed_on, execution_time, success)
                VALUES (999, '999', 'from a newer version', 'SQL', 'V999__from_a_newer_version.sql', 0, 'test',
                    CURRENT_TIMESTAMP, 1, 1)"""));

        try (Store again = Store.open(url, StoreSettings.DEFAULTS)) {
            long apps = again.read(h -> h.createQuery("SELECT COUNT(*) FROM application").mapTo(Long.class).one());
            assertThat(apps).isNotNegative();
        }
    }
}
