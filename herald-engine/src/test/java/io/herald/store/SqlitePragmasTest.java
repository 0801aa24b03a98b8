package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqlitePragmasTest {
    @TempDir
    Path dir;

    @Test
    void everyPooledConnection_writesAheadDurably_andCheckpointsAtTheChosenLength() {
        try (Store store = Store.open(Store.sqliteUrl(dir), StoreSettings.DEFAULTS)) {
            store.read(h -> {
                assertThat(h.createQuery("PRAGMA journal_mode").mapTo(String.class).one()).isEqualToIgnoringCase("wal");
                assertThat(h.createQuery("PRAGMA synchronous").mapTo(Integer.class).one()).as("FULL").isEqualTo(2);
                assertThat(h.createQuery("PRAGMA wal_autocheckpoint").mapTo(Integer.class).one())
                        .isEqualTo(Dialect.WAL_AUTOCHECKPOINT_PAGES);
                return null;
            });
            store.inTransaction(h -> {
                assertThat(h.createQuery("PRAGMA wal_autocheckpoint").mapTo(Integer.class).one())
                        .as("the writer's connection").isEqualTo(Dialect.WAL_AUTOCHECKPOINT_PAGES);
                return null;
            });
        }
    }
}
