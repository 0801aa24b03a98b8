package io.herald.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jetty.http.HttpMethod;

/**
 * The few calls of Herald's API (Svix v1 dialect) the scenarios need, over the harness's client.
 * Messages carry a 1 KiB JSON payload, the same bytes every time.
 */
final class HeraldApi {
    static final String EVENT_TYPE = "bench.load";
    /** The payload, exactly 1,024 bytes of JSON object. */
    static final String PAYLOAD = payload(1024);
    static final byte[] PUBLISH_BODY =
            ("{\"eventType\":\"" + EVENT_TYPE + "\",\"payload\":" + PAYLOAD + "}").getBytes(StandardCharsets.UTF_8);

    private final LoadClient client;
    private final URI base;
    private final String token;

    HeraldApi(LoadClient client, URI base, String token) {
        this.client = client;
        this.base = base;
        this.token = token;
    }

    String token() {
        return token;
    }

    URI msgUri(String app) {
        return base.resolve("/api/v1/app/" + app + "/msg");
    }

    void createApp(String uid) {
        client.call(HttpMethod.POST, base.resolve("/api/v1/app"), "{\"name\":\"" + uid + "\",\"uid\":\"" + uid + "\"}", token);
    }

    /** Creates an endpoint and returns its id; {@code extra} is more JSON members, e.g. {@code "timeoutMs":5000}. */
    String createEndpoint(String app, String url, String extra) {
        String body = "{\"url\":\"" + url + "\"" + (extra == null || extra.isEmpty() ? "" : "," + extra) + "}";
        return idOf(client.call(HttpMethod.POST, base.resolve("/api/v1/app/" + app + "/endpoint"), body, token));
    }

    void patchEndpoint(String app, String endpointId, String json) {
        client.call(HttpMethod.PATCH, base.resolve("/api/v1/app/" + app + "/endpoint/" + endpointId), json, token);
    }

    /** The endpoint's {@code health.state} (healthy, failing, open, disabled…) as Herald shows it. */
    String endpointState(String app, String endpointId) {
        String json = client.call(HttpMethod.GET, base.resolve("/api/v1/app/" + app + "/endpoint/" + endpointId), null, token);
        return member(json, "state");
    }

    /** Publishes one message and waits for the answer; returns the message id. */
    String publish(String app) {
        return idOf(client.call(HttpMethod.POST, msgUri(app), new String(PUBLISH_BODY, StandardCharsets.UTF_8), token));
    }

    /**
     * Creates {@code n} apps named {@code prefix-i}, each with one endpoint at {@code url(i)}, a few
     * calls at a time; returns the app uids.
     */
    List<String> appsWithOneEndpoint(String prefix, int n, java.util.function.IntFunction<String> url, String extra) {
        return client.parallel(n, i -> {
            String uid = prefix + "-" + i;
            createApp(uid);
            createEndpoint(uid, url.apply(i), extra);
            return uid;
        });
    }

    /**
     * The {@code id} member of a Herald answer, found without a JSON parser: Herald writes it first,
     * and neither our payload nor any other member is named {@code id}. Null when there is none.
     */
    static String idOf(String json) {
        return member(json, "id");
    }

    /** The first string member named {@code name} anywhere in {@code json}, without a parser; null when none. */
    static String member(String json, String name) {
        String key = "\"" + name + "\":\"";
        int at = json.indexOf(key);
        if (at < 0) {
            return null;
        }
        int start = at + key.length();
        int end = json.indexOf('"', start);
        return end < 0 ? null : json.substring(start, end);
    }

    /** A JSON object of exactly {@code bytes} bytes (ASCII), padded with a string member. */
    static String payload(int bytes) {
        String head = "{\"kind\":\"bench\",\"severity\":3,\"pad\":\"";
        String tail = "\"}";
        int pad = bytes - head.length() - tail.length();
        if (pad < 0) {
            throw new IllegalArgumentException("a payload needs at least " + (head.length() + tail.length()) + " bytes");
        }
        StringBuilder sb = new StringBuilder(bytes).append(head);
        for (int i = 0; i < pad; i++) {
            sb.append((char) ('a' + i % 26));
        }
        return sb.append(tail).toString();
    }
}
