package io.herald.endpoint;

import io.herald.BoundedCache;
import io.herald.HeraldException;
import io.herald.Json;
import io.herald.Validate;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * How an endpoint's requests are signed: which headers carry the id, the time and the signature,
 * and what the signature covers.
 * <ul>
 *   <li>{@code standard}: Standard Webhooks, {@code webhook-id}, {@code webhook-timestamp},
 *       {@code webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">}, one per valid key.</li>
 *   <li>{@code svix}: the same values under {@code svix-id}, {@code svix-timestamp}, {@code svix-signature}.</li>
 *   <li>{@code hmac-sha256-hex}: {@code <header>: <prefix><hex HMAC-SHA256 of the body>}, keyed with
 *       the UTF-8 bytes of the whole secret as the API shows it (the receiver's own secret as given,
 *       see {@link Secrets#parseGiven}, or a generated {@code whsec_…}), which is what a receiver that
 *       runs {@code hmac(secret, body)} computes. Id and time headers are sent only when named.</li>
 * </ul>
 * The signature always covers the bytes actually sent, after formatting.
 *
 * <p>Not guaranteed: during a secret rotation the hex profile signs with the current key only (the
 * convention has no way to carry two signatures); standard and svix carry one per valid key.
 */
public record SignatureProfile(String type, String header, String prefix, String idHeader, String timestampHeader,
                               String timestampFormat) {
    public static final String STANDARD = "standard";
    public static final String SVIX = "svix";
    public static final String HEX = "hmac-sha256-hex";
    public static final SignatureProfile DEFAULT = new SignatureProfile(STANDARD, null, null, null, null, null);
    public static final SignatureProfile SVIX_HEADERS = new SignatureProfile(SVIX, null, null, null, null, null);

    private static final String DEFAULT_HEX_HEADER = "X-Webhook-Signature";
    private static final String DEFAULT_HEX_PREFIX = "sha256=";
    private static final Set<String> TIMESTAMP_FORMATS = Set.of("unix", "iso8601");
    /**
     * Headers of the transport, and the body's type (the format sets it): neither a profile nor a
     * custom header may set them.
     */
    public static final Set<String> TRANSPORT_HEADERS = Set.of(
            "host", "content-length", "content-type", "transfer-encoding", "connection", "keep-alive", "upgrade", "te",
            "trailer", "proxy-authorization", "proxy-connection", "expect");
    private static final BoundedCache<SignatureProfile> STORED = new BoundedCache<>(256);

    /**
     * Reads a profile from the API: a name ({@code "svix"}) or an object with {@code type} and, for
     * the hex profile, {@code header}, {@code prefix}, {@code idHeader}, {@code timestampHeader},
     * {@code timestampFormat}. Null means {@link #DEFAULT}.
     */
    public static SignatureProfile parse(String field, JsonNode spec) {
        if (spec == null || spec.isNull()) {
            return DEFAULT;
        }
        if (spec.isString()) {
            return named(field, spec.asString());
        }
        if (!spec.isObject()) {
            throw new HeraldException.InvalidInput(field, "must be a profile name or an object with a type");
        }
        for (String member : spec.propertyNames()) {
            if (!List.of("type", "header", "prefix", "idHeader", "timestampHeader", "timestampFormat").contains(member)) {
                throw new HeraldException.InvalidInput(field + "." + member, "is not a signature setting");
            }
        }
        String type = text(spec, field, "type");
        if (type == null) {
            throw new HeraldException.InvalidInput(field + ".type", "is required (standard, svix or hmac-sha256-hex)");
        }
        SignatureProfile named = named(field + ".type", type);
        if (!named.type.equals(HEX)) {
            for (String member : List.of("header", "prefix", "idHeader", "timestampHeader", "timestampFormat")) {
                if (spec.has(member) && !spec.get(member).isNull()) {
                    throw new HeraldException.InvalidInput(field + "." + member, "applies only to the hmac-sha256-hex profile");
                }
            }
            return named;
        }
        String header = orDefault(text(spec, field, "header"), DEFAULT_HEX_HEADER);
        String prefix = orDefault(text(spec, field, "prefix"), DEFAULT_HEX_PREFIX);
        String idHeader = text(spec, field, "idHeader");
        String timestampHeader = text(spec, field, "timestampHeader");
        String timestampFormat = orDefault(text(spec, field, "timestampFormat"), "unix");
        checkName(field + ".header", header);
        checkName(field + ".idHeader", idHeader);
        checkName(field + ".timestampHeader", timestampHeader);
        Validate.length(field + ".prefix", prefix, 0, 64);
        if (prefix.chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
            throw new HeraldException.InvalidInput(field + ".prefix", "must be printable ASCII");
        }
        if (!TIMESTAMP_FORMATS.contains(timestampFormat)) {
            throw new HeraldException.InvalidInput(field + ".timestampFormat", "must be 'unix' (seconds) or 'iso8601'");
        }
        if (timestampHeader == null && text(spec, field, "timestampFormat") != null) {
            throw new HeraldException.InvalidInput(field + ".timestampFormat", "needs timestampHeader");
        }
        SignatureProfile p = new SignatureProfile(HEX, header, prefix, idHeader, timestampHeader,
                timestampHeader == null ? null : timestampFormat);
        List<String> names = p.headerNames().stream().map(n -> n.toLowerCase(Locale.ROOT)).toList();
        if (Set.copyOf(names).size() != names.size()) {
            throw new HeraldException.InvalidInput(field, "header, idHeader and timestampHeader must differ");
        }
        return p;
    }

    private static SignatureProfile named(String field, String name) {
        return switch (name) {
            case STANDARD -> DEFAULT;
            case SVIX -> SVIX_HEADERS;
            case HEX -> new SignatureProfile(HEX, DEFAULT_HEX_HEADER, DEFAULT_HEX_PREFIX, null, null, null);
            default -> throw new HeraldException.InvalidInput(field, "must be standard, svix or hmac-sha256-hex");
        };
    }

    private static String text(JsonNode spec, String field, String member) {
        JsonNode v = spec.get(member);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isString()) {
            throw new HeraldException.InvalidInput(field + "." + member, "must be a string");
        }
        return v.asString();
    }

    private static String orDefault(String v, String dflt) {
        return v == null ? dflt : v;
    }

    private static void checkName(String field, String name) {
        if (name == null) {
            return;
        }
        Validate.headerName(field, name);
        String lower = name.toLowerCase(Locale.ROOT);
        // A profile may not take User-Agent either; a custom header may override it.
        if (TRANSPORT_HEADERS.contains(lower) || lower.equals("user-agent")) {
            throw new HeraldException.InvalidInput(field, "names a header HTTP or Herald itself sets");
        }
    }

    /** The stored form, read back without checks (it was checked when saved); read on every row, so cached. */
    public static SignatureProfile stored(String json) {
        return json == null ? DEFAULT : STORED.get(json, text -> Json.read(text, SignatureProfile.class));
    }

    /** What the API shows and what is stored: only the members that apply. */
    public Map<String, Object> spec() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        if (type.equals(HEX)) {
            m.put("header", header);
            m.put("prefix", prefix);
            if (idHeader != null) {
                m.put("idHeader", idHeader);
            }
            if (timestampHeader != null) {
                m.put("timestampHeader", timestampHeader);
                m.put("timestampFormat", timestampFormat);
            }
        }
        return m;
    }

    /** The headers this profile sets, which custom headers must not set too. */
    public List<String> headerNames() {
        return switch (type) {
            case STANDARD -> List.of("webhook-id", "webhook-timestamp", "webhook-signature");
            case SVIX -> List.of("svix-id", "svix-timestamp", "svix-signature");
            default -> java.util.stream.Stream.of(header, idHeader, timestampHeader).filter(java.util.Objects::nonNull).toList();
        };
    }

    /** Adds the id, time and signature headers for {@code body}, sent at {@code sentAt}. */
    public void sign(Map<String, String> headers, String msgId, Instant sentAt, byte[] body, Secrets secrets) {
        long ts = sentAt.getEpochSecond();
        switch (type) {
            case STANDARD, SVIX -> {
                String p = type.equals(STANDARD) ? "webhook-" : "svix-";
                headers.put(p + "id", msgId);
                headers.put(p + "timestamp", Long.toString(ts));
                headers.put(p + "signature", Signer.sign(msgId, ts, body, secrets.signingKeys(sentAt)));
            }
            default -> {
                if (idHeader != null) {
                    headers.put(idHeader, msgId);
                }
                if (timestampHeader != null) {
                    headers.put(timestampHeader, timestampFormat.equals("unix")
                            ? Long.toString(ts) : Instant.ofEpochSecond(ts).toString());
                }
                byte[] mac = Signer.hmac(secrets.current().getBytes(StandardCharsets.UTF_8), new byte[0], body);
                headers.put(header, prefix + HexFormat.of().formatHex(mac));
            }
        }
    }
}
