package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
