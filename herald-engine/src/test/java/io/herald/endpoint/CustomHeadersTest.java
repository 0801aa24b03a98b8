package io.herald.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.HeraldException;
import io.herald.secret.Keyring;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CustomHeadersTest {
    private static final Keyring KEYS = Keyring.parse("test", "k1:" + Base64.getEncoder().encodeToString(new byte[32]));

    @Test
    void replacedBy_marksSvixsNamesAndTheGivenOnes_andMasksThem() {
        CustomHeaders h = CustomHeaders.NONE.replacedBy(Map.of("authorization", "Token t", "DD-API-KEY", "k", "X-Team", "sre"),
                Set.of("dd-api-key"), "sensitive");
        assertThat(h.sensitiveNames()).containsExactly("authorization", "DD-API-KEY");
        assertThat(h.masked()).containsEntry("authorization", CustomHeaders.MASK).containsEntry("DD-API-KEY", CustomHeaders.MASK)
                .containsEntry("X-Team", "sre");
        assertThat(h.toString()).doesNotContain("Token t");
    }

    @Test
    void replacedBy_theMaskForASensitiveHeader_keepsItsValue_andAMarkLastsWhileTheHeaderDoes() {
        CustomHeaders h = CustomHeaders.NONE.replacedBy(Map.of("X-Key", "secret-1"), Set.of("X-Key"), "sensitive");
        CustomHeaders kept = h.replacedBy(Map.of("x-key", CustomHeaders.MASK, "X-Team", CustomHeaders.MASK), Set.of(), "sensitive");
        assertThat(kept.values()).containsEntry("x-key", "secret-1").as("not sensitive: the mask is a value")
                .containsEntry("X-Team", CustomHeaders.MASK);
        assertThat(kept.isSensitive("X-KEY")).isTrue();
        CustomHeaders dropped = kept.replacedBy(Map.of("X-Team", "sre"), Set.of(), "sensitive")
                .replacedBy(Map.of("X-Team", "sre", "X-Key", "secret-2"), Set.of(), "sensitive");
        assertThat(dropped.isSensitive("X-Key")).as("removed, then added again: unmarked").isFalse();
    }

    @Test
    void replacedBy_aMarkNamingNoHeader_isRefusedNamingIt() {
        assertThatThrownBy(() -> CustomHeaders.NONE.replacedBy(Map.of("X-A", "1"), Set.of("X-B"), "sensitive"))
                .isInstanceOf(HeraldException.InvalidInput.class).hasMessageStartingWith("sensitive[0]");
    }

    @Test
    void write_thenRead_roundTrips_sealedAtItsPlace_andEmptyStaysPlain() {
        CustomHeaders h = CustomHeaders.NONE.replacedBy(Map.of("Authorization", "Bearer b", "X-Team", "sre"), Set.of(), "s");
        String column = h.write(KEYS, "ep_1");
        assertThat(column).startsWith(Keyring.PREFIX).doesNotContain("Bearer b").doesNotContain("sre");
        assertThat(CustomHeaders.read(column, "ep_1", () -> KEYS)).isEqualTo(h);
        assertThatThrownBy(() -> CustomHeaders.read(column, "ep_2", () -> KEYS)).isInstanceOf(Keyring.Unusable.class);
        assertThat(CustomHeaders.NONE.write(KEYS, "ep_1")).isEqualTo("{}");
        assertThat(CustomHeaders.read("{\"Authorization\": \"Bearer old\"}", "ep_1", () -> {
            throw new AssertionError("plain rows need no key");
        }).sensitiveNames()).containsExactly("Authorization");
    }
}
