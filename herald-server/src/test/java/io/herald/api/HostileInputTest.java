package io.herald.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.api.Router.Route;
import io.herald.e2e.TestHerald;
import io.herald.store.Dialect;
import io.herald.testing.LoopbackReceiver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The hostile-input corpus: every request an attacker tried (and the like), sent to every route of
 * the route table that can take it, so that a route added later is covered without touching this
 * test. Each must be refused with a 4xx problem document naming what was wrong, never a 500 or a
 * hang, and nothing may be written. Run against each database by a subclass.
 */
abstract class HostileInputTest {
    private static final Pattern PARAM = Pattern.compile("\\{([^}]+)}");
    private static final String EVENT_TYPE = "thing.happened";

    @TempDir
    Path dir;
    TestHerald herald;
    LoopbackReceiver receiver;
    RawHttp raw;
    List<Route> routes;
    Map<String, String> ids;
    String operationalEndpoint;

    abstract TestHerald start(Path dir);

    @BeforeEach
    void setUp() {
        herald = start(dir);
        receiver = new LoopbackReceiver();
        raw = new RawHttp(herald.server.port(), TestHerald.TOKEN);
        routes = Routes.build(herald.server.herald()).routes();
        herald.post("/api/v1/event-type", "{\"name\": \"" + EVENT_TYPE + "\", \"description\": \"d\", \"example\": {\"n\": 0}}", 201);
        String app = herald.post("/api/v1/app", "{\"name\": \"A\", \"uid\": \"tenant-a\"}", 201).get("id").asString();
        String ep = herald.post("/api/v1/app/" + app + "/endpoint", "{\"url\": \"" + receiver.url("/a") + "\"}", 201)
                .get("id").asString();
        String msg = herald.post("/api/v1/app/" + app + "/msg",
                "{\"eventType\": \"" + EVENT_TYPE + "\", \"payload\": {\"n\": 1}}", 201).get("id").asString();
        String attempt = herald.awaitAttempts(app, msg, 1).get(0).get("id").asString();
        operationalEndpoint = herald.post("/api/v1/operational-webhook/endpoint", "{\"url\": \"" + receiver.url("/ops") + "\"}", 201)
                .get("id").asString();
        ids = Map.of("app_id", app, "endpoint_id", ep, "msg_id", msg, "attempt_id", attempt, "name", EVENT_TYPE);
    }

    @AfterEach
    void tearDown() {
        receiver.close();
        herald.close();
    }

    /** One hostile request and what must come back: a status (0: any 4xx) and the field named (null: any). */
    private record Probe(String what, String method, String target, String headers, byte[] body, int status, String field) {
        @Override
        public String toString() {
            return what + ": " + method + " " + (target.length() > 120 ? target.substring(0, 120) + "…" : target);
        }
    }

    private record Outcome(Probe probe, RawHttp.Answer answer, String wrong) {}

    private static boolean bodied(Route r) {
        return r.method().equals("POST") || r.method().equals("PUT") || r.method().equals("PATCH");
    }

    /** The route's path with real ids; {@code last} replaces the value of the last parameter when not null. */
    private String path(Route r, String last) {
        Matcher m = PARAM.matcher(r.pattern());
        List<String> names = new ArrayList<>();
        while (m.find()) {
            names.add(m.group(1));
        }
        m.reset();
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (m.find()) {
            String name = m.group(1);
            String value = r.pattern().startsWith("/api/v1/operational-webhook/") && name.equals("endpoint_id")
                    ? operationalEndpoint : ids.getOrDefault(name, "unknown-" + name);
            if (last != null && ++i == names.size()) {
                value = last; // already encoded as it is to be sent
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private List<Probe> probes(Route r) {
        List<Probe> out = new ArrayList<>();
        String m = r.method();
        String path = path(r, null);
        byte[] empty = bodied(r) ? utf8("{}") : null;
        // The query string: a bad escape, U+0000, invalid UTF-8.
        out.add(new Probe("bad percent-escape in the query", m, path + "?x=%ZZ", null, empty, 400, "x"));
        out.add(new Probe("truncated percent-escape in the query", m, path + "?x=%2", null, empty, 400, "x"));
        out.add(new Probe("U+0000 in the query", m, path + "?x=a%00b", null, empty, 400, "x"));
        out.add(new Probe("invalid UTF-8 in the query", m, path + "?x=%C3%28", null, empty, 400, "x"));
        if (PARAM.matcher(r.pattern()).find()) {
            out.add(new Probe("U+0000 in a path parameter", m, path(r, "a%00b"), null, empty, 400, null));
            out.add(new Probe("bad escape in a path parameter", m, path(r, "a%ZZ"), null, empty, 400, null));
            out.add(new Probe("encoded slash in a path parameter", m, path(r, "a%2Fb"), null, empty, 400, "path"));
            out.add(new Probe("encoded dot-dot as a path parameter", m, path(r, "%2e%2e"), null, empty, 400, "path"));
        }
        if (bodied(r)) {
            out.add(new Probe("invalid UTF-8 in the body", m, path, null,
                    new byte[] {'{', '"', 'z', 'z', '"', ':', '"', (byte) 0xC3, '(', '"', '}'}, 400, "body"));
            out.add(new Probe("a member given twice", m, path, null, utf8("{\"zz\": \"9999; DROP\", \"zz\": 3}"), 400, "zz"));
            out.add(new Probe("U+0000 in a string", m, path, null, utf8("{\"zz\": \"a\\u0000b\"}"), 400, "zz"));
            out.add(new Probe("U+0000 in a nested string", m, path, null, utf8("{\"zz\": {\"k\": [\"\\u0000\"]}}"), 400, "zz.k[0]"));
        }
        out.addAll(fieldProbes(r, path));
        return out;
    }

    /** Probes of the members a route reads, by what the route is. */
    private List<Probe> fieldProbes(Route r, String path) {
        List<Probe> out = new ArrayList<>();
        String m = r.method();
        String p = r.pattern();
        boolean endpoint = (m.equals("POST") && p.endsWith("/endpoint"))
                || ((m.equals("PUT") || m.equals("PATCH")) && p.endsWith("/endpoint/{endpoint_id}"));
        if (endpoint) {
            String base = m.equals("PATCH") ? "" : "\"url\": \"" + receiver.url("/hostile") + "\", ";
            String wide = "https://example.com/" + "a".repeat(60_000);
            for (String url : List.of(wide, "http://example.com:0/x", "http://example.com:99999/x", "http://10.0.0.1/x",
                    "http://[::1]/x", "http://169.254.169.254/latest/meta-data", "http://192.168.1.1:8080/x",
                    "http://[fe80::1]/x", "http://0.0.0.0/x")) {
                out.add(new Probe("endpoint url " + url.substring(0, Math.min(40, url.length())), m, path, null,
                        utf8("{\"url\": \"" + url + "\"}"), 422, "url"));
            }
            // An operational endpoint's upsert takes no headers at all (they have a route of their own).
            boolean headersRefused = m.equals("PUT") && p.startsWith("/api/v1/operational-webhook/");
            for (Map.Entry<String, String> h : hostileHeaders().entrySet()) {
                out.add(new Probe("endpoint headers: " + h.getKey(), m, path, null, utf8("{" + base + h.getValue() + "}"), 422,
                        h.getKey().equals("20,000 headers") || headersRefused ? "headers" : "headers.X-A"));
            }
            for (Map.Entry<String, String> md : hostileMetadata().entrySet()) {
                out.add(new Probe("endpoint metadata: " + md.getKey(), m, path, null, utf8("{" + base + md.getValue() + "}"), 422,
                        md.getKey().equals("50,000 keys") ? "metadata" : "metadata.k"));
            }
            String types = IntStream.range(0, 10_000).mapToObj(i -> "\"t.n" + i + "\"").collect(Collectors.joining(","));
            out.add(new Probe("10,000 event types", m, path, null, utf8("{" + base + "\"filterTypes\": [" + types + "]}"), 422, "eventTypes"));
            out.add(new Probe("a filter of three nested loops", m, path, null, utf8("{" + base
                    + "\"filter\": \"data.a.exists(x, data.a.exists(y, data.a.exists(z, z == 1)))\"}"), 422, "filter"));
        }
        if ((m.equals("PUT") || m.equals("PATCH")) && p.endsWith("/headers")) {
            for (Map.Entry<String, String> h : hostileHeaders().entrySet()) {
                out.add(new Probe("headers route: " + h.getKey(), m, path, null, utf8("{" + h.getValue() + "}"), 422,
                        h.getKey().equals("20,000 headers") ? "headers" : "headers.X-A"));
            }
        }
        if ((m.equals("POST") && p.equals("/api/v1/app")) || ((m.equals("PUT") || m.equals("PATCH")) && p.equals("/api/v1/app/{app_id}"))) {
            String base = m.equals("PATCH") ? "" : "\"name\": \"hostile\", ";
            for (Map.Entry<String, String> md : hostileMetadata().entrySet()) {
                out.add(new Probe("application metadata: " + md.getKey(), m, path, null, utf8("{" + base + md.getValue() + "}"), 422,
                        md.getKey().equals("50,000 keys") ? "metadata" : "metadata.k"));
            }
        }
        if ((m.equals("POST") && p.equals("/api/v1/event-type")) || ((m.equals("PUT") || m.equals("PATCH")) && p.equals("/api/v1/event-type/{name}"))) {
            String base = m.equals("POST") ? "\"name\": \"hostile.type\", \"description\": \"d\", " : "\"description\": \"d\", ";
            for (String pattern : List.of("(a)\\\\1", "^(?=a)a$", "(?<!a)b")) {
                out.add(new Probe("schema pattern " + pattern, m, path, null, utf8("{" + base
                        + "\"schemas\": {\"1\": {\"properties\": {\"s\": {\"type\": \"string\", \"pattern\": \"" + pattern + "\"}}}}}"),
                        422, "schemas"));
            }
        }
        if (m.equals("POST") && p.equals("/api/v1/app/{app_id}/msg")) {
            String type = "\"eventType\": \"" + EVENT_TYPE + "\", ";
            out.add(new Probe("a payload member given twice", m, path, null,
                    utf8("{" + type + "\"payload\": {\"severity\": \"9999; DROP\", \"severity\": 3}}"), 400, "payload.severity"));
            out.add(new Probe("a raw payload member given twice", m, path, null, utf8("{" + type
                    + "\"transformationsParams\": {\"rawPayload\": \"{\\\"s\\\": 1, \\\"s\\\": 2}\"}}"), 422,
                    "transformationsParams.rawPayload.s"));
            out.add(new Probe("deliverAt out of range", m, path, null, utf8("{" + type
                    + "\"payload\": {}, \"deliverAt\": \"+999999999-12-31T23:59:59Z\"}"), 422, "deliverAt"));
            out.add(new Probe("U+0000 in a channel", m, path, null, utf8("{" + type
                    + "\"payload\": {}, \"channels\": [\"a\\u0000\"]}"), 400, "channels[0]"));
        }
        if (m.equals("POST") && (p.endsWith("/recover") || p.endsWith("/replay-missing"))) {
            out.add(new Probe("since out of range", m, path, null, utf8("{\"since\": \"+999999999-12-31T23:59:59Z\"}"), 422, "since"));
            out.add(new Probe("since before year 1", m, path, null, utf8("{\"since\": \"-999999999-01-01T00:00:00Z\"}"), 422, "since"));
        }
        if (m.equals("GET")) {
            out.addAll(queryProbes(r, path));
        }
        return out;
    }

    /**
     * Query parameters a GET route reads, found by asking it: a route that refuses garbage in a
     * parameter reads it, and must refuse the hostile values too.
     */
    private List<Probe> queryProbes(Route r, String path) {
        List<Probe> out = new ArrayList<>();
        RawHttp.Answer plain = raw.send("GET", path, null);
        JsonNode listed = plain.status() == 200 ? plain.json() : null;
        if (listed != null && listed.has("data") && listed.has("done")) {
            out.add(new Probe("a garbage iterator", "GET", path + "?iterator=%27%3B--%20DROP", null, null, 422, "iterator"));
            out.add(new Probe("U+0000 in the iterator", "GET", path + "?iterator=msg_%00", null, null, 400, "iterator"));
            out.add(new Probe("a huge limit", "GET", path + "?limit=99999999999", null, null, 422, "limit"));
        }
        for (String time : List.of("before", "after", "since", "until")) {
            if (reads(path, time, "garbage")) {
                out.add(new Probe(time + " past year 9999", "GET", path + "?" + time + "=%2B999999999-12-31T23:59:59Z", null, null, 422, time));
                out.add(new Probe(time + " before year 1", "GET", path + "?" + time + "=-999999999-01-01T00:00:00Z", null, null, 422, time));
            }
        }
        for (String name : List.of("channel", "tag")) {
            if (reads(path, name, "a%20b")) {
                out.add(new Probe("a LIKE wildcard as " + name, "GET", path + "?" + name + "=%25", null, null, 422, name));
                out.add(new Probe("a LIKE escape as " + name, "GET", path + "?" + name + "=a%5C", null, null, 422, name));
            }
        }
        return out;
    }

    private boolean reads(String path, String param, String garbage) {
        RawHttp.Answer a = raw.send("GET", path + "?" + param + "=" + garbage, null);
        return a.status() == 422 && a.fields().contains(param);
    }

    private static Map<String, String> hostileHeaders() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("a control character", "\"headers\": {\"X-A\": \"a\\u0007b\"}");
        out.put("a line break", "\"headers\": {\"X-A\": \"a\\r\\nX-Injected: 1\"}");
        out.put("non-ASCII", "\"headers\": {\"X-A\": \"caf\\u00e9\"}");
        out.put("a 900 KB value", "\"headers\": {\"X-A\": \"" + "v".repeat(900_000) + "\"}");
        out.put("20,000 headers", "\"headers\": {" + IntStream.range(0, 20_000).mapToObj(i -> "\"h" + i + "\": \"v\"")
                .collect(Collectors.joining(",")) + "}");
        return out;
    }

    private static Map<String, String> hostileMetadata() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("a 1 MB value", "\"metadata\": {\"k\": \"" + "v".repeat(1_000_000) + "\"}");
        out.put("50,000 keys", "\"metadata\": {" + IntStream.range(0, 50_000).mapToObj(i -> "\"k" + i + "\": \"v\"")
                .collect(Collectors.joining(",")) + "}");
        return out;
    }

    /** Why {@code a} is not the refusal {@code p} expects; null when it is. */
    private static String wrong(Probe p, RawHttp.Answer a) {
        if (a.status() < 400 || a.status() > 499) {
            return "status " + a.status() + ", not a 4xx";
        }
        if (p.status() != 0 && a.status() != p.status()) {
            return "status " + a.status() + ", expected " + p.status();
        }
        if (a.header("server") != null) {
            return "a Server header: " + a.header("server");
        }
        if (p.method().equals("HEAD")) {
            return null;
        }
        if (a.header("content-type") == null || !a.header("content-type").startsWith("application/problem+json")) {
            return "content type " + a.header("content-type") + ", not a problem document";
        }
        JsonNode problem = a.json();
        if (problem == null || problem.get("status") == null || problem.get("status").asInt() != a.status()) {
            return "not a problem document of this status";
        }
        List<String> fields = a.fields();
        if (fields.isEmpty()) {
            return "names no field";
        }
        if (p.field() != null && fields.stream().noneMatch(f -> f.equals(p.field()) || f.startsWith(p.field() + ".")
                || f.startsWith(p.field() + "["))) {
            return "names " + fields + ", expected " + p.field();
        }
        return null;
    }

    private Map<String, Long> rowCounts() {
        return herald.server.herald().store().read(h -> {
            String tables = herald.server.herald().store().dialect() == Dialect.SQLITE
                    ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                    : "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename";
            Map<String, Long> counts = new LinkedHashMap<>();
            for (String t : h.createQuery(tables).mapTo(String.class).list()) {
                counts.put(t, h.createQuery("SELECT count(*) FROM \"" + t + "\"").mapTo(Long.class).one());
            }
            return counts;
        });
    }

    @Test
    void everyRoute_refusesEveryHostileRequest_withAProblemNamingTheField_andWritesNothing() {
        Map<String, Long> before = rowCounts();
        List<Outcome> outcomes = new ArrayList<>();
        for (Route r : routes) {
            for (Probe p : probes(r)) {
                RawHttp.Answer a = raw.send(p.method(), p.target(), p.headers(), p.body());
                outcomes.add(new Outcome(p, a, wrong(p, a)));
            }
        }
        List<String> failures = outcomes.stream().filter(o -> o.wrong() != null)
                .map(o -> o.probe() + " -> " + o.wrong() + ": " + truncate(o.answer().body())).toList();

        assertThat(failures).as("hostile requests not refused as they should be:\n" + String.join("\n", failures)).isEmpty();
        assertThat(outcomes).as("probes sent").hasSizeGreaterThan(routes.size() * 4);
        // The corpus reached what it is about: the field probes found their routes.
        assertThat(outcomes).anySatisfy(o -> assertThat(o.probe().what()).startsWith("endpoint url"))
                .anySatisfy(o -> assertThat(o.probe().what()).startsWith("a garbage iterator"))
                .anySatisfy(o -> assertThat(o.probe().what()).startsWith("before past"))
                .anySatisfy(o -> assertThat(o.probe().what()).startsWith("a LIKE wildcard as channel"))
                .anySatisfy(o -> assertThat(o.probe().what()).startsWith("a LIKE wildcard as tag"))
                .anySatisfy(o -> assertThat(o.probe().what()).startsWith("schema pattern"))
                .anySatisfy(o -> assertThat(o.probe().what()).startsWith("since out of range"))
                .anySatisfy(o -> assertThat(o.probe().what()).startsWith("headers route"));
        assertThat(rowCounts()).as("rows per table").isEqualTo(before);
    }

    @Test
    void jettysOwnRefusals_areProblemDocuments_withoutAServerHeader() {
        String big = "a".repeat(20_000);
        String many = IntStream.range(0, 20_000).mapToObj(i -> "X-" + i + ": v").collect(Collectors.joining("\r\n"));
        List<Probe> probes = List.of(
                new Probe("dot-dot above the root", "GET", "/api/v1/../../../etc/passwd", null, null, 400, "path"),
                new Probe("an encoded slash", "GET", "/api/v1/app/a%2F..%2F..", null, null, 400, "path"),
                new Probe("a 20 KB header", "GET", "/api/v1/app", "X-Big: " + big, null, 431, "headers"),
                new Probe("20,000 headers", "GET", "/api/v1/app", many, null, 431, "headers"),
                new Probe("a 60,000-character URL", "GET", "/api/v1/app?x=" + "a".repeat(60_000), null, null, 0, "path"),
                new Probe("conflicting lengths", "POST", "/api/v1/app", "Content-Length: 2\r\nContent-Length: 7", utf8("{}"), 400, "headers"),
                new Probe("length and chunked", "POST", "/api/v1/app", "Content-Length: 2\r\nTransfer-Encoding: chunked",
                        utf8("0\r\n\r\n"), 400, "headers"));
        List<String> failures = new ArrayList<>();
        for (Probe p : probes) {
            RawHttp.Answer a = raw.send(p.method(), p.target(), p.headers(), p.body());
            String why = wrong(p, a);
            if (why != null) {
                failures.add(p + " -> " + why + ": " + truncate(a.body()));
            }
        }
        assertThat(failures).as(String.join("\n", failures)).isEmpty();
        assertThat(raw.send("GET", "/api/v1/health", null).header("server")).isNull();
        assertThat(raw.send("GET", "/api/v1/app", null).header("server")).isNull();
    }

    @Test
    void channelAndTagFilters_matchExactly_wildcardsIncluded() {
        String app = ids.get("app_id");
        herald.post("/api/v1/app/" + app + "/msg", "{\"eventType\": \"" + EVENT_TYPE + "\", \"payload\": {}, "
                + "\"channels\": [\"ab\"], \"tags\": [\"ab\"]}", 201);
        // "_" is a valid channel character and a LIKE wildcard: it must match only itself.
        assertThat(herald.get("/api/v1/app/" + app + "/msg?channel=a_").get("data")).isEmpty();
        assertThat(herald.get("/api/v1/app/" + app + "/msg?tag=a_").get("data")).isEmpty();
        assertThat(herald.get("/api/v1/app/" + app + "/msg?channel=ab").get("data")).hasSize(1);
        assertThat(herald.get("/api/v1/app/" + app + "/msg?channel=AB").get("data")).isEmpty();
    }

    private static String truncate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
