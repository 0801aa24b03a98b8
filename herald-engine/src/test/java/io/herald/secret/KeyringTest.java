package io.herald.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class KeyringTest {
    private static final String K1 = "k1:" + Base64.getEncoder().encodeToString(new byte[32]);
    private static final String K2 = "k2:" + Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());

    @Test
    void seal_thenOpen_givesThePlaintextBack_underTheFirstKey() {
        Keyring ring = Keyring.parse("test", K2 + "," + K1);
        String sealed = ring.seal("whsec_secret", "endpoint:ep_1:secret");
        assertThat(sealed).startsWith("enc:v1:k2:").doesNotContain("whsec_secret");
        assertThat(ring.open(sealed, "endpoint:ep_1:secret")).isEqualTo("whsec_secret");
        assertThat(ring.isCurrent(sealed)).isTrue();
        assertThat(Keyring.keyIdOf(sealed)).isEqualTo("k2");
    }

    @Test
    void seal_sameValueTwice_differs() {
        Keyring ring = Keyring.parse("test", K1);
        assertThat(ring.seal("v", "p")).isNotEqualTo(ring.seal("v", "p"));
    }

    @Test
    void open_atAnotherPlace_fails() {
        Keyring ring = Keyring.parse("test", K1);
        String sealed = ring.seal("whsec_secret", "endpoint:ep_1:secret");
        assertThatThrownBy(() -> ring.open(sealed, "endpoint:ep_2:secret"))
                .isInstanceOf(Keyring.Unusable.class)
                .hasMessageContaining("endpoint:ep_2:secret").hasMessageNotContaining("whsec_secret");
    }

    @Test
    void open_alteredValue_fails() {
        Keyring ring = Keyring.parse("test", K1);
        String sealed = ring.seal("whsec_secret", "p");
        char last = sealed.charAt(sealed.length() - 2);
        String altered = sealed.substring(0, sealed.length() - 2) + (last == 'A' ? 'B' : 'A') + sealed.charAt(sealed.length() - 1);
        assertThatThrownBy(() -> ring.open(altered, "p")).isInstanceOf(Keyring.Unusable.class);
        assertThatThrownBy(() -> ring.open("enc:v1:k1:%%%", "p")).isInstanceOf(Keyring.Unusable.class);
        assertThatThrownBy(() -> ring.open("enc:v1:k1:AAAA", "p")).isInstanceOf(Keyring.Unusable.class);
    }

    @Test
    void open_byAnOlderKeyOfTheRing_works_andAMissingKeyIsNamed() {
        Keyring old = Keyring.parse("old", K1);
        String sealed = old.seal("value", "p");
        assertThat(Keyring.parse("both", K2 + "\n" + K1).open(sealed, "p")).isEqualTo("value");
        assertThatThrownBy(() -> Keyring.parse("HERALD_SECRET_KEY", K2).open(sealed, "p"))
                .isInstanceOf(Keyring.Unusable.class)
                .hasMessage("p is encrypted with key 'k1', which is not among the keys of HERALD_SECRET_KEY (k2)");
    }

    @Test
    void open_withAWrongKeyOfTheSameId_saysSo() {
        String sealed = Keyring.parse("a", K1).seal("value", "p");
        Keyring wrong = Keyring.parse("HERALD_SECRET_KEY", "k1:" + K2.substring(3));
        assertThatThrownBy(() -> wrong.open(sealed, "p"))
                .isInstanceOf(Keyring.Unusable.class)
                .hasMessageContaining("does not decrypt with key 'k1' of HERALD_SECRET_KEY");
    }

    @Test
    void parse_badRings_sayWhatIsWrong_withoutQuotingKeys() {
        String b64 = K2.substring(3);
        assertThatThrownBy(() -> Keyring.parse("S", "")).hasMessageContaining("holds no key");
        assertThatThrownBy(() -> Keyring.parse("S", b64)).hasMessageContaining("<id>:<base64").hasMessageNotContaining(b64);
        assertThatThrownBy(() -> Keyring.parse("S", "a b:" + b64)).hasMessageContaining("id");
        assertThatThrownBy(() -> Keyring.parse("S", "k:" + b64.substring(4))).hasMessageContaining("32 bytes")
                .hasMessageNotContaining(b64.substring(4));
        assertThatThrownBy(() -> Keyring.parse("S", "k:!!notbase64")).hasMessageContaining("base64");
        assertThatThrownBy(() -> Keyring.parse("S", K1 + "," + K1)).hasMessageContaining("twice");
    }

    @Test
    void parse_skipsCommentsAndBlankLines() {
        Keyring ring = Keyring.parse("file", "# keys\n\n" + K2 + "\n# older\n" + K1 + "\n");
        assertThat(ring.ids()).containsExactly("k2", "k1");
        assertThat(ring.currentId()).isEqualTo("k2");
        assertThat(ring.toString()).doesNotContain(K1.substring(3)).doesNotContain(K2.substring(3));
    }

    @Test
    void newKey_isParsable_withADatedId() {
        String line = Keyring.newKey(Clock.fixed(Instant.parse("2026-12-02T10:00:00Z"), ZoneOffset.UTC));
        assertThat(line).matches("k20261202-[0-9a-f]{4}:[A-Za-z0-9+/]{43}=");
        Keyring ring = Keyring.parse("new", line);
        assertThat(ring.open(ring.seal("x", "p"), "p")).isEqualTo("x");
    }
}
