package io.herald.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SignerTest {
    // The published vector: standard-webhooks/standard-webhooks,
    // libraries/java/src/test/java/com/standardwebhooks/WebhookTest.java, verifyWebhookSignWorks.
    private static final String VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long VECTOR_TIMESTAMP = 1614265330;
    private static final String VECTOR_PAYLOAD = "{\"test\": 2432232314}";
    private static final String VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private static final String OLD_SECRET =
            "whsec_" + Base64.getEncoder().encodeToString(bytes("the rotated-out key, 32 bytes..."));
    private static final String PAYLOAD = "{\"type\":\"invoice.paid\",\"data\":{\"amount\":1999,\"note\":\"caf\u00e9\"}}";
    private static final String MSG_ID = "msg_2bVk6VvQvKJq1h1tXzB5Y3mN8pA";

    @Test
    void sign_publishedVector_matchesExpectedSignature() {
        String signature = Signer.sign(VECTOR_ID, VECTOR_TIMESTAMP, bytes(VECTOR_PAYLOAD), List.of(VECTOR_SECRET));

        assertThat(signature).isEqualTo(VECTOR_SIGNATURE);
    }

    @Test
    void sign_fromManyThreadsAtOnce_eachWithItsOwnKey_matchesAMacOfItsOwn() throws Exception {
        // Every signature clones one shared, never initialised Mac: clones must not share state.
        List<Thread> threads = new java.util.ArrayList<>();
        java.util.concurrent.ConcurrentLinkedQueue<String> wrong = new java.util.concurrent.ConcurrentLinkedQueue<>();
        for (int t = 0; t < 8; t++) {
            String secret = "whsec_" + Base64.getEncoder().encodeToString(bytes(("key of thread " + t + " ".repeat(32)).substring(0, 32)));
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 500; i++) {
                    byte[] body = bytes("{\"n\": " + i + "}");
                    String expected = "v1," + Base64.getEncoder().encodeToString(reference(secret, MSG_ID + "." + i + ".", body));
                    String got = Signer.sign(MSG_ID, i, body, List.of(secret));
                    if (!got.equals(expected)) {
                        wrong.add(got);
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(wrong).isEmpty();
    }

    private static byte[] reference(String secret, String prefix, byte[] body) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())),
                    "HmacSHA256"));
            mac.update(bytes(prefix));
            return mac.doFinal(body);
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void sign_oneKey_verifiesWithStandardWebhooksAndSvix() {
        // Both libraries check the timestamp against their own wall clock (5 min tolerance).
        long now = Instant.now().getEpochSecond();
        String signature = Signer.sign(MSG_ID, now, bytes(PAYLOAD), List.of(VECTOR_SECRET));
        Map<String, List<String>> headers = headers(MSG_ID, now, signature);

        assertThatCode(() -> standard(VECTOR_SECRET).verify(PAYLOAD, headers)).doesNotThrowAnyException();
        assertThatCode(() -> svix(VECTOR_SECRET).verify(PAYLOAD, headers)).doesNotThrowAnyException();
        assertThatCode(() -> svix(VECTOR_SECRET).verify(PAYLOAD, svixHeaders(MSG_ID, now, signature)))
                .doesNotThrowAnyException();
    }

    @Test
    void sign_twoKeys_givesTwoSignaturesEachVerifyingWithItsOwnSecret() {
        long now = Instant.now().getEpochSecond();
        String signature = Signer.sign(MSG_ID, now, bytes(PAYLOAD), List.of(VECTOR_SECRET, OLD_SECRET));

        String[] parts = signature.split(" ");
        assertThat(parts).hasSize(2).allSatisfy(p -> assertThat(p).startsWith("v1,"));
        assertThat(parts[0]).isEqualTo(Signer.sign(MSG_ID, now, bytes(PAYLOAD), List.of(VECTOR_SECRET)));
        assertThat(parts[1]).isEqualTo(Signer.sign(MSG_ID, now, bytes(PAYLOAD), List.of(OLD_SECRET)));
        // Each part alone verifies with its own secret and not with the other one.
        assertThatCode(() -> standard(VECTOR_SECRET).verify(PAYLOAD, headers(MSG_ID, now, parts[0])))
                .doesNotThrowAnyException();
        assertThatCode(() -> standard(OLD_SECRET).verify(PAYLOAD, headers(MSG_ID, now, parts[1])))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> standard(OLD_SECRET).verify(PAYLOAD, headers(MSG_ID, now, parts[0])))
                .hasMessage("No matching signature found");
    }

    @Test
    void sign_twoKeys_receiverKnowingOnlyTheOldSecretAccepts() {
        long now = Instant.now().getEpochSecond();
        String signature = Signer.sign(MSG_ID, now, bytes(PAYLOAD), List.of(VECTOR_SECRET, OLD_SECRET));
        Map<String, List<String>> headers = headers(MSG_ID, now, signature);

        assertThatCode(() -> standard(OLD_SECRET).verify(PAYLOAD, headers)).doesNotThrowAnyException();
        assertThatCode(() -> svix(OLD_SECRET).verify(PAYLOAD, headers)).doesNotThrowAnyException();
        assertThatCode(() -> standard(VECTOR_SECRET).verify(PAYLOAD, headers)).doesNotThrowAnyException();
        assertThatCode(() -> svix(VECTOR_SECRET).verify(PAYLOAD, headers)).doesNotThrowAnyException();
    }

    @Test
    void sign_tamperedBody_isRejectedByBothLibraries() {
        long now = Instant.now().getEpochSecond();
        Map<String, List<String>> headers = headers(MSG_ID, now, Signer.sign(MSG_ID, now, bytes(PAYLOAD), List.of(VECTOR_SECRET)));
        String tampered = PAYLOAD.replace("1999", "1998");

        assertThatThrownBy(() -> standard(VECTOR_SECRET).verify(tampered, headers)).hasMessage("No matching signature found");
        assertThatThrownBy(() -> svix(VECTOR_SECRET).verify(tampered, headers)).hasMessage("No matching signature found");
    }

    @Test
    void sign_tamperedTimestamp_isRejectedByBothLibraries() {
        long now = Instant.now().getEpochSecond();
        String signature = Signer.sign(MSG_ID, now, bytes(PAYLOAD), List.of(VECTOR_SECRET));
        // One second off: well inside the freshness tolerance, so only the signature can reject it.
        Map<String, List<String>> headers = headers(MSG_ID, now - 1, signature);

        assertThatThrownBy(() -> standard(VECTOR_SECRET).verify(PAYLOAD, headers)).hasMessage("No matching signature found");
        assertThatThrownBy(() -> svix(VECTOR_SECRET).verify(PAYLOAD, headers)).hasMessage("No matching signature found");
    }

    @Test
    void sign_wrongSecret_isRejectedByBothLibraries() {
        long now = Instant.now().getEpochSecond();
        Map<String, List<String>> headers = headers(MSG_ID, now, Signer.sign(MSG_ID, now, bytes(PAYLOAD), List.of(OLD_SECRET)));

        assertThatThrownBy(() -> standard(VECTOR_SECRET).verify(PAYLOAD, headers)).hasMessage("No matching signature found");
        assertThatThrownBy(() -> svix(VECTOR_SECRET).verify(PAYLOAD, headers)).hasMessage("No matching signature found");
    }

    private static com.standardwebhooks.Webhook standard(String secret) throws Exception {
        return new com.standardwebhooks.Webhook(secret);
    }

    private static com.svix.Webhook svix(String secret) throws Exception {
        return new com.svix.Webhook(secret);
    }

    private static Map<String, List<String>> headers(String id, long timestamp, String signature) {
        return Map.of("webhook-id", List.of(id), "webhook-timestamp", List.of(Long.toString(timestamp)),
                "webhook-signature", List.of(signature));
    }

    private static Map<String, List<String>> svixHeaders(String id, long timestamp, String signature) {
        return Map.of("svix-id", List.of(id), "svix-timestamp", List.of(Long.toString(timestamp)),
                "svix-signature", List.of(signature));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
