package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class StoreSettingsTest {
    @Test
    void defaults_leaveReadsThreeQuartersOfThePool() {
        assertThat(StoreSettings.DEFAULTS).isEqualTo(new StoreSettings(16, 4));
    }

    @Test
    void writersBeyondHalfThePool_failNamingBoth() {
        assertThat(new StoreSettings(8, 4).writers()).isEqualTo(4);
        assertThatThrownBy(() -> new StoreSettings(8, 5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("writers (5)").hasMessageContaining("poolSize (8)");
    }

    @Test
    void noWriterOrASingleConnection_fail() {
        assertThatThrownBy(() -> new StoreSettings(16, 0)).hasMessageContaining("writers");
        assertThatThrownBy(() -> new StoreSettings(1, 1)).hasMessageContaining("poolSize");
    }

    @Test
    void commitDelay_unset_isTheDatabasesDefault_andSetIsBounded() {
        assertThat(StoreSettings.DEFAULTS.commitDelay(Dialect.SQLITE)).isEqualTo(Duration.ofMillis(3));
        assertThat(StoreSettings.DEFAULTS.commitDelay(Dialect.POSTGRESQL)).isEqualTo(Duration.ZERO);
        assertThat(new StoreSettings(16, 4, Duration.ZERO).commitDelay(Dialect.SQLITE)).isEqualTo(Duration.ZERO);
        assertThat(new StoreSettings(16, 4, Duration.ofMillis(7)).commitDelay(Dialect.POSTGRESQL)).isEqualTo(Duration.ofMillis(7));
        assertThatThrownBy(() -> new StoreSettings(16, 4, Duration.ofMillis(101))).hasMessageContaining("commitDelay");
        assertThatThrownBy(() -> new StoreSettings(16, 4, Duration.ofMillis(-1))).hasMessageContaining("commitDelay");
    }
}
