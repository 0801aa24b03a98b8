package io.herald.bench.micro;

import io.herald.Json;
import io.herald.endpoint.SignatureProfile;
import io.herald.endpoint.Secrets;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Signing one attempt as the dispatcher does: copy the endpoint's custom headers, then let the
 * endpoint's signature profile add its id, time and signature headers for a 1 KiB body.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class SignBench {

    @State(Scope.Thread)
    public static class Attempt {
        @Param({SignatureProfile.STANDARD, SignatureProfile.SVIX, SignatureProfile.HEX})
        public String profile;
        /** 2: a secret was rotated and the old one still signs (standard and svix carry both signatures). */
        @Param({"1", "2"})
        public int keys;

        SignatureProfile signature;
        Secrets secrets;
        Map<String, String> endpointHeaders;
        String msgId;
        Instant sentAt;
        byte[] body;

        @Setup
        public void setUp() {
            signature = SignatureProfile.parse("signature", Json.MAPPER.getNodeFactory().stringNode(profile));
            // Now, not a fixed time: receivers' libraries (and the tests) check the timestamp against the clock.
            sentAt = Instant.now();
            List<Secrets.Previous> previous = keys == 1 ? List.of()
                    : List.of(new Secrets.Previous(OLD_SECRET, sentAt.plus(Duration.ofHours(24))));
            secrets = new Secrets(CURRENT_SECRET, previous);
            endpointHeaders = Map.of("X-Tenant", "acme-prod");
            msgId = SecurityEvents.CRITICAL_EVENT.id();
            body = SecurityEvents.CRITICAL.getBytes(StandardCharsets.UTF_8);
        }
    }

    /** 24 random bytes each, the size {@link Secrets#generate} makes. */
    static final String CURRENT_SECRET = "whsec_" + Base64.getEncoder().encodeToString(
            new byte[] {17, -93, 54, 2, -7, 88, 120, -41, 9, 63, -128, 71, 33, -2, 101, 45, -66, 12, 90, -19, 7, 126, -55, 38});
    static final String OLD_SECRET = "whsec_" + Base64.getEncoder().encodeToString(
            new byte[] {-3, 44, 81, -120, 16, 99, -77, 5, 62, -14, 27, 110, -89, 50, 8, -31, 73, 124, -6, 39, -101, 20, 67, -48});

    @Benchmark
    public Map<String, String> sign(Attempt a) {
        Map<String, String> headers = new LinkedHashMap<>(a.endpointHeaders);
        a.signature.sign(headers, a.msgId, a.sentAt, a.body, a.secrets);
        return headers;
    }

    /**
     * A floor, not engine code: one HMAC-SHA256 of the same bytes with a Mac made and keyed once.
     * The difference to {@code sign} (standard, 1 key) is what Herald spends around the MAC itself.
     */
    @State(Scope.Thread)
    public static class ReusedMac {
        Mac mac;
        byte[] prefix;
        byte[] body;

        @Setup
        public void setUp() throws Exception {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Secrets.keyBytes(CURRENT_SECRET), "HmacSHA256"));
            long ts = Instant.now().getEpochSecond();
            prefix = (SecurityEvents.CRITICAL_EVENT.id() + "." + ts + ".").getBytes(StandardCharsets.UTF_8);
            body = SecurityEvents.CRITICAL.getBytes(StandardCharsets.UTF_8);
        }
    }

    @Benchmark
    public byte[] hmacFloor(ReusedMac m) {
        m.mac.update(m.prefix);
        return m.mac.doFinal(m.body);
    }
}
