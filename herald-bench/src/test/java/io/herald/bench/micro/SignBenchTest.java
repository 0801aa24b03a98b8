package io.herald.bench.micro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import io.herald.endpoint.SignatureProfile;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SignBenchTest {
    private final SignBench bench = new SignBench();

    private static SignBench.Attempt attempt(String profile, int keys) {
        SignBench.Attempt a = new SignBench.Attempt();
        a.profile = profile;
        a.keys = keys;
        a.setUp();
        return a;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void sign_standard_verifiesWithStandardWebhooksForEachSigningKey(int keys) throws Exception {
        Map<String, String> headers = bench.sign(attempt(SignatureProfile.STANDARD, keys));

        assertThat(headers).containsOnlyKeys("X-Tenant", "webhook-id", "webhook-timestamp", "webhook-signature");
        assertThat(headers.get("webhook-signature").split(" ")).hasSize(keys);
        assertAcceptedByKeys(headers, "webhook-", keys);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void sign_svix_sameSignaturesUnderSvixNames(int keys) throws Exception {
        Map<String, String> headers = bench.sign(attempt(SignatureProfile.SVIX, keys));

        assertThat(headers).containsOnlyKeys("X-Tenant", "svix-id", "svix-timestamp", "svix-signature");
        assertAcceptedByKeys(headers, "svix-", keys);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void sign_hex_isHmacOfBodyWithCurrentSecretOnly(int keys) throws Exception {
        SignBench.Attempt a = attempt(SignatureProfile.HEX, keys);
        Map<String, String> headers = bench.sign(a);

        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SignBench.CURRENT_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = "sha256=" + HexFormat.of().formatHex(mac.doFinal(SecurityEvents.CRITICAL.getBytes(StandardCharsets.UTF_8)));
        assertThat(headers).containsOnlyKeys("X-Tenant", "X-Webhook-Signature");
        assertThat(headers.get("X-Webhook-Signature")).isEqualTo(expected);
    }

    @Test
    void sign_body_isTheOneKibFinding() {
        SignBench.Attempt a = attempt(SignatureProfile.STANDARD, 1);

        assertThat(a.body).hasSizeBetween(1000, 1100);
        assertThat(a.msgId).isEqualTo(SecurityEvents.CRITICAL_EVENT.id());
    }

    @Test
    void hmacFloor_isTheStandardSignatureOfTheSameBytes() throws Exception {
        SignBench.ReusedMac m = new SignBench.ReusedMac();
        m.setUp();
        String timestamp = new String(m.prefix, StandardCharsets.UTF_8).split("\\.")[1];

        String signature = "v1," + Base64.getEncoder().encodeToString(bench.hmacFloor(m));
        // Twice: the Mac is reused, and doFinal must have reset it.
        String again = "v1," + Base64.getEncoder().encodeToString(bench.hmacFloor(m));

        assertThat(again).isEqualTo(signature);
        assertThatCode(() -> new Webhook(SignBench.CURRENT_SECRET).verify(SecurityEvents.CRITICAL,
                headers(SecurityEvents.CRITICAL_EVENT.id(), timestamp, signature))).doesNotThrowAnyException();
    }

    /** Every key that signs verifies the request alone; with one key, the old secret must not. */
    private static void assertAcceptedByKeys(Map<String, String> sent, String prefix, int keys) throws Exception {
        Map<String, List<String>> received = headers(sent.get(prefix + "id"), sent.get(prefix + "timestamp"),
                sent.get(prefix + "signature"));
        assertThat(sent.get(prefix + "id")).isEqualTo(SecurityEvents.CRITICAL_EVENT.id());
        assertThatCode(() -> new Webhook(SignBench.CURRENT_SECRET).verify(SecurityEvents.CRITICAL, received))
                .doesNotThrowAnyException();
        if (keys == 2) {
            assertThatCode(() -> new Webhook(SignBench.OLD_SECRET).verify(SecurityEvents.CRITICAL, received))
                    .doesNotThrowAnyException();
        } else {
            assertThatThrownBy(() -> new Webhook(SignBench.OLD_SECRET).verify(SecurityEvents.CRITICAL, received))
                    .isInstanceOf(WebhookVerificationException.class);
        }
        assertThatThrownBy(() -> new Webhook(SignBench.CURRENT_SECRET).verify(SecurityEvents.LOW, received))
                .as("another body").isInstanceOf(WebhookVerificationException.class);
    }

    private static Map<String, List<String>> headers(String id, String timestamp, String signature) {
        return Map.of("webhook-id", List.of(id), "webhook-timestamp", List.of(timestamp),
                "webhook-signature", List.of(signature));
    }
}
