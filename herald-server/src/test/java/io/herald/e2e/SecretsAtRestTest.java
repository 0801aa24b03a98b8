package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.Json;
import io.herald.endpoint.CustomHeaders;
import io.herald.endpoint.Secrets;
import io.herald.secret.Keyring;
import io.herald.testing.LoopbackReceiver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Endpoint secrets and custom headers at rest, on a real database: what is stored is searched byte
 * for byte (the SQLite file and its write-ahead log, or a {@code pg_dump}) for every secret and
 * header value the test made; restarts, a wrong key, key rotation with the {@code herald secrets
 * rekey} command beside a running node, an old backup, and rows as an earlier version wrote them.
 */
abstract class SecretsAtRestTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration WAIT = Duration.ofSeconds(10);
    static final String K1 = newKey("k1");
    static final String K2 = newKey("k2");

    @TempDir
    Path dir;
    LoopbackReceiver receiver;
    /** The node running now, closed after each test. */
    TestHerald node;

    /** A node on this test's database (the same one on every call) with {@code HERALD_SECRET_KEY=keys}. */
    abstract TestHerald start(String keys);

    /** The JDBC URL of this test's database. */
    abstract String jdbcUrl();

    /** Everything the database keeps, as stored: its files, or a dump. */
    abstract byte[] stored() throws Exception;

    /** Copies the database, as a backup does; the node must be closed. */
    abstract void backUp() throws Exception;

    /** A node on the backup copy. */
    abstract TestHerald startOnBackup(String keys);

    /** The settings the rekey command needs to find this test's database. */
    abstract Map<String, String> databaseSettings();

    @BeforeEach
    void receiver() {
        receiver = new LoopbackReceiver();
    }

    @AfterEach
    void close() {
        if (node != null) {
            node.close();
        }
        receiver.close();
    }

    static String newKey(String id) {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return id + ":" + Base64.getEncoder().encodeToString(key);
    }

    private static String whsec() {
        byte[] key = new byte[24];
        RANDOM.nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }

    private static String random(String prefix) {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return prefix + HexFormat.of().formatHex(b);
    }

    private TestHerald restart(String keys) {
        if (node != null) {
            node.close();
            node = null;
        }
        node = start(keys);
        return node;
    }

    private JsonNode endpoint(String app, String name, String extra) {
        return node.post("/api/v1/app/" + app + "/endpoint",
                "{\"url\": \"" + receiver.url("/" + app + "/" + name) + "\"" + (extra.isEmpty() ? "" : ", " + extra) + "}", 201);
    }

    private String secretOf(String path) {
        return node.get(path + "/secret").get("key").asString();
    }

    private String publish(String app) {
        return node.post("/api/v1/app/" + app + "/msg", "{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 1}}", 201)
                .get("id").asString();
    }

    /** The request of message {@code msgId} at {@code path}. */
    private LoopbackReceiver.Received delivered(String path, String msgId) {
        return receiver.await(r -> r.path().equals(path) && msgId.equals(r.header("webhook-id") != null
                ? r.header("webhook-id") : r.header("x-msg")), 1, WAIT).getFirst();
    }

    private static String hmacHex(String key, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    /** What the vault test made, to look for. */
    private record Made(String standardPath, String generatedPath, String hexPath, String opsPath, List<String> secrets,
                        List<String> headerValues, String currentStandard, String previousStandard, String currentGenerated,
                        String currentHex) {}

    /**
     * Endpoints with given and generated secrets, each rotated (so both columns hold keys), a hex
     * profile endpoint with its own secret, an operational endpoint, and headers set on create,
     * PUT and PATCH, sensitive and not.
     */
    private Made makeVault() {
        node.post("/api/v1/app", "{\"name\": \"Vault\", \"uid\": \"vault\"}", 201);
        List<String> secrets = new ArrayList<>();
        List<String> headerValues = new ArrayList<>();

        String s1 = whsec();
        String bearer = random("Bearer tok-");
        String team = random("team-");
        JsonNode standard = endpoint("vault", "std", "\"secret\": \"" + s1 + "\", \"headers\": {\"Authorization\": \"" + bearer
                + "\", \"X-Team\": \"" + team + "\"}");
        String std = "/api/v1/app/vault/endpoint/" + standard.get("id").asString();
        String s2 = whsec();
        TestHerald.expect(node.api.post(std + "/secret/rotate", "{\"key\": \"" + s2 + "\"}"), 204);
        String extra = random("extra-");
        TestHerald.expect(node.api.patch(std + "/headers", "{\"headers\": {\"X-Extra\": \"" + extra + "\"}, \"sensitive\": [\"X-Extra\"]}"),
                204);
        secrets.addAll(List.of(s1, s2));
        headerValues.addAll(List.of(bearer, team, extra));

        JsonNode generated = endpoint("vault", "gen", "");
        String gen = "/api/v1/app/vault/endpoint/" + generated.get("id").asString();
        String g1 = secretOf(gen);
        TestHerald.expect(node.api.post(gen + "/secret/rotate", "{}"), 204);
        String g2 = secretOf(gen);
        String apiKey = random("key-");
        String plain = random("plain-");
        TestHerald.expect(node.api.put(gen + "/headers", "{\"headers\": {\"X-Api-Key\": \"" + apiKey + "\", \"X-Plain\": \"" + plain
                + "\"}, \"sensitive\": [\"x-api-key\"]}"), 204);
        secrets.addAll(List.of(g1, g2));
        headerValues.addAll(List.of(apiKey, plain));

        String b1 = random("optional-hmac-secret-");
        JsonNode hex = endpoint("vault", "hex", "\"signature\": {\"type\": \"hmac-sha256-hex\", \"idHeader\": \"X-Msg\"}, "
                + "\"secret\": \"" + b1 + "\"");
        String hx = "/api/v1/app/vault/endpoint/" + hex.get("id").asString();
        String b2 = random("second~hmac~secret-");
        TestHerald.expect(node.api.post(hx + "/secret/rotate", "{\"key\": \"" + b2 + "\"}"), 204);
        secrets.addAll(List.of(b1, b2));

        String w1 = whsec();
        JsonNode ops = node.post("/api/v1/operational-webhook/endpoint", "{\"url\": \"" + receiver.url("/ops") + "\", \"secret\": \""
                + w1 + "\"}", 201);
        String op = "/api/v1/operational-webhook/endpoint/" + ops.get("id").asString();
        TestHerald.expect(node.api.post(op + "/secret/rotate", "{}"), 204);
        String w2 = secretOf(op);
        String opsAuth = random("Splunk ");
        TestHerald.expect(node.api.put(op + "/headers", "{\"headers\": {\"Authorization\": \"" + opsAuth + "\"}}"), 204);
        secrets.addAll(List.of(w1, w2));
        headerValues.add(opsAuth);
        return new Made(std, gen, hx, op, secrets, headerValues, s2, s1, g2, b2);
    }

    /** Every form a secret or header value could be stored in without encryption. */
    private static List<byte[]> forms(String value) {
        List<byte[]> forms = new ArrayList<>();
        forms.add(value.getBytes(StandardCharsets.UTF_8));
        forms.add(Base64.getEncoder().encode(value.getBytes(StandardCharsets.UTF_8)));
        if (value.startsWith(Secrets.PREFIX)) {
            byte[] raw = Secrets.keyBytes(value);
            forms.add(value.substring(Secrets.PREFIX.length()).getBytes(StandardCharsets.US_ASCII));
            forms.add(raw);
            forms.add(HexFormat.of().formatHex(raw).getBytes(StandardCharsets.US_ASCII));
            forms.add(Base64.getUrlEncoder().withoutPadding().encode(raw));
        }
        return forms;
    }

    /** The key material of {@code keys} (as HERALD_SECRET_KEY takes them): base64 text and raw bytes. */
    private static List<byte[]> keyForms(String keys) {
        List<byte[]> forms = new ArrayList<>();
        for (String k : keys.split(",")) {
            String b64 = k.substring(k.indexOf(':') + 1);
            forms.add(b64.getBytes(StandardCharsets.US_ASCII));
            forms.add(Base64.getDecoder().decode(b64));
        }
        return forms;
    }

    private void assertNoneStored(List<String> values, String keys) throws Exception {
        byte[] stored = stored();
        assertThat(stored.length).isGreaterThan(1000);
        for (String v : values) {
            for (byte[] form : forms(v)) {
                assertThat(indexOf(stored, form)).as("a form of %s… is stored in clear", v.substring(0, 8)).isEqualTo(-1);
            }
        }
        for (byte[] form : keyForms(keys)) {
            assertThat(indexOf(stored, form)).as("the secret key itself is stored").isEqualTo(-1);
        }
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The sealed columns of every endpoint, read with SQL. */
    private List<String> sealedColumns() {
        return Jdbi.create(jdbcUrl()).withHandle(h -> h.createQuery("SELECT secret, old_secrets, headers FROM endpoint")
                .map((rs, ctx) -> List.of(rs.getString(1), rs.getString(2), rs.getString(3))).list())
                .stream().flatMap(List::stream).filter(v -> !v.equals("[]") && !v.equals("{}")).toList();
    }

    /** Checks the deliveries of one message to the vault's endpoints, signed with the keys the API shows. */
    private void deliveriesVerify(Made made) throws Exception {
        String msg = publish("vault");
        LoopbackReceiver.Received std = delivered("/vault/std", msg);
        new com.standardwebhooks.Webhook(made.currentStandard()).verify(std.bodyText(), std.headerLists());
        new com.standardwebhooks.Webhook(made.previousStandard()).verify(std.bodyText(), std.headerLists());
        assertThat(std.header("Authorization")).isNotEqualTo(CustomHeaders.MASK).startsWith("Bearer tok-");
        LoopbackReceiver.Received gen = delivered("/vault/gen", msg);
        new com.standardwebhooks.Webhook(made.currentGenerated()).verify(gen.bodyText(), gen.headerLists());
        assertThat(gen.header("X-Api-Key")).startsWith("key-");
        LoopbackReceiver.Received hex = delivered("/vault/hex", msg);
        assertThat(hex.header("X-Webhook-Signature")).isEqualTo("sha256=" + hmacHex(made.currentHex(), hex.bodyText()));
    }

    @Test
    void secretsAndHeaders_neverStoredInClear_andReadBackAfterRestart() throws Exception {
        node = start(K1);
        Made made = makeVault();
        List<String> all = new ArrayList<>(made.secrets());
        all.addAll(made.headerValues());

        JsonNode headers = node.get(made.generatedPath() + "/headers");
        assertThat(headers.get("headers").get("X-Api-Key").asString()).isEqualTo(CustomHeaders.MASK);
        assertThat(headers.get("headers").get("X-Plain").asString()).startsWith("plain-");
        assertThat(headers.get("sensitive").toString()).isEqualTo("[\"X-Api-Key\"]");
        JsonNode std = node.get(made.standardPath() + "/headers");
        assertThat(std.get("sensitive").toString()).isEqualTo("[\"Authorization\",\"X-Extra\"]");
        assertThat(std.toString()).doesNotContain("Bearer tok-").doesNotContain("extra-");
        assertThat(node.get(made.opsPath() + "/headers").get("headers").get("Authorization").asString()).isEqualTo(CustomHeaders.MASK);
        deliveriesVerify(made);
        assertNoneStored(all, K1);
        assertThat(sealedColumns()).isNotEmpty().allMatch(v -> v.startsWith("enc:v1:k1:"));

        // A masked value sent back keeps the stored one; a mark outlives a PUT of the headers.
        TestHerald.expect(node.api.put(made.generatedPath() + "/headers", "{\"headers\": {\"X-Api-Key\": \"" + CustomHeaders.MASK
                + "\", \"X-Plain\": \"changed\"}}"), 204);
        assertThat(node.get(made.generatedPath() + "/headers").get("sensitive").toString()).isEqualTo("[\"X-Api-Key\"]");

        restart(K1);
        assertThat(secretOf(made.standardPath())).isEqualTo(made.currentStandard());
        assertThat(secretOf(made.generatedPath())).isEqualTo(made.currentGenerated());
        assertThat(secretOf(made.hexPath())).isEqualTo(made.currentHex());
        assertThat(secretOf(made.opsPath())).isEqualTo(made.secrets().getLast());
        deliveriesVerify(made);
        node.close();
        node = null;
        assertNoneStored(all, K1);
    }

    @Test
    void wrongOrMissingKey_failsStart_namingTheKey_andChangesNothing() {
        node = start(K1);
        node.post("/api/v1/app", "{\"name\": \"A\", \"uid\": \"a\"}", 201);
        String secret = secretOf("/api/v1/app/a/endpoint/" + endpoint("a", "one", "").get("id").asString());
        node.close();
        node = null;

        assertThatThrownBy(() -> start(K2)).isInstanceOf(Keyring.Unusable.class)
                .hasMessageContaining("encrypted with key 'k1', which is not among the keys of HERALD_SECRET_KEY (k2)")
                .hasMessageNotContaining(secret);
        assertThatThrownBy(() -> start("k1:" + K2.substring(3))).isInstanceOf(Keyring.Unusable.class)
                .hasMessageContaining("does not decrypt with key 'k1' of HERALD_SECRET_KEY");

        node = start(K2 + "," + K1);
        assertThat(node.get("/api/v1/app/a/endpoint").get("data").size()).isEqualTo(1);
    }

    @Test
    void rekey_besideARunningNode_encryptsEverythingWithTheNewKey_andAnOldBackupStillOpensWithTheOldKey() throws Exception {
        node = start(K1);
        Made made = makeVault();
        node.close();
        node = null;
        backUp();

        node = start(K2 + "," + K1);
        assertThat(sealedColumns()).as("nothing changes until the command runs").allMatch(v -> v.startsWith("enc:v1:k1:"));
        Command rekey = rekey(K2 + "," + K1);
        assertThat(rekey.status()).as(rekey.output()).isZero();
        assertThat(rekey.output()).contains("every endpoint secret and custom header is encrypted with key 'k2'");
        assertThat(sealedColumns()).isNotEmpty().allMatch(v -> v.startsWith("enc:v1:k2:"));
        // The running node reads what the command wrote (it holds both keys).
        deliveriesVerify(made);
        assertThat(secretOf(made.hexPath())).isEqualTo(made.currentHex());

        restart(K2);
        deliveriesVerify(made);
        assertThat(secretOf(made.opsPath())).isEqualTo(made.secrets().getLast());
        node.close();
        node = null;

        // The backup was made before: it needs the old key.
        assertThatThrownBy(() -> startOnBackup(K2)).isInstanceOf(Keyring.Unusable.class).hasMessageContaining("'k1'");
        try (TestHerald old = startOnBackup(K2 + "," + K1)) {
            assertThat(old.get(made.standardPath() + "/secret").get("key").asString()).isEqualTo(made.currentStandard());
            assertThat(old.get(made.generatedPath() + "/secret").get("key").asString()).isEqualTo(made.currentGenerated());
        }
    }

    @Test
    void rekey_withAKeyTheDatabaseDoesNotKnow_failsWithoutWriting() throws Exception {
        node = start(K1);
        makeVault();
        node.close();
        node = null;
        List<String> before = sealedColumns();
        Command rekey = rekey(K2);
        assertThat(rekey.status()).as(rekey.output()).isEqualTo(2);
        assertThat(rekey.output()).contains("herald: ").contains("'k1'").doesNotContain("\tat ");
        assertThat(sealedColumns()).isEqualTo(before);
    }

    @Test
    void plainRows_asAnEarlierVersionWroteThem_areEncryptedOnStart() throws Exception {
        node = start(K1);
        node.post("/api/v1/app", "{\"name\": \"Old\", \"uid\": \"old\"}", 201);
        String id = endpoint("old", "legacy", "").get("id").asString();
        String ops = node.post("/api/v1/operational-webhook/endpoint", "{\"url\": \"" + receiver.url("/ops") + "\"}", 201)
                .get("id").asString();
        node.close();
        node = null;

        // The columns as versions before encryption wrote them: the key, a JSON list of rotated-out
        // keys, a JSON object of headers.
        String current = whsec();
        String previous = whsec();
        String bearer = random("Bearer legacy-");
        String opsSecret = whsec();
        Jdbi.create(jdbcUrl()).useHandle(h -> {
            h.createUpdate("UPDATE endpoint SET secret = :s, old_secrets = :o, headers = :h WHERE id = :id")
                    .bind("s", current)
                    .bind("o", Json.write(List.of(new Secrets.Previous(previous, Instant.now().plus(Duration.ofHours(20))))))
                    .bind("h", Json.write(new LinkedHashMap<>(Map.of("Authorization", bearer, "X-Team", "sre"))))
                    .bind("id", id).execute();
            h.createUpdate("UPDATE endpoint SET secret = :s WHERE id = :id").bind("s", opsSecret).bind("id", ops).execute();
        });
        assertThat(indexOf(stored(), current.getBytes(StandardCharsets.US_ASCII))).as("the test wrote it plain").isNotEqualTo(-1);

        node = start(K1);
        assertThat(sealedColumns()).allMatch(v -> v.startsWith("enc:v1:k1:"));
        String ep = "/api/v1/app/old/endpoint/" + id;
        assertThat(secretOf(ep)).isEqualTo(current);
        assertThat(secretOf("/api/v1/operational-webhook/endpoint/" + ops)).isEqualTo(opsSecret);
        JsonNode headers = node.get(ep + "/headers");
        assertThat(headers.get("headers").get("Authorization").asString()).isEqualTo(CustomHeaders.MASK);
        assertThat(headers.get("headers").get("X-Team").asString()).isEqualTo("sre");
        assertThat(headers.get("sensitive").toString()).isEqualTo("[\"Authorization\"]");
        String msg = publish("old");
        LoopbackReceiver.Received r = delivered("/old/legacy", msg);
        new com.standardwebhooks.Webhook(current).verify(r.bodyText(), r.headerLists());
        new com.standardwebhooks.Webhook(previous).verify(r.bodyText(), r.headerLists());
        assertThat(r.header("Authorization")).isEqualTo(bearer);
        node.close();
        node = null;
        assertNoneStored(List.of(current, previous, bearer, opsSecret), K1);
    }

    /** What a command printed and its exit status. */
    record Command(int status, String output) {}

    /** {@code herald secrets rekey} as an operator runs it: a process of its own, on this test's database. */
    Command rekey(String keys) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), "io.herald.server.Main", "secrets", "rekey", "--batch", "2"))
                .redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("HERALD_"));
        pb.environment().putAll(databaseSettings());
        pb.environment().put("HERALD_SECRET_KEY", keys);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Command(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
