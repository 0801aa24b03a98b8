package io.herald.endpoint;

import io.herald.HeraldException;
import io.herald.Json;
import io.herald.Validate;
import io.herald.app.Application;
import io.herald.app.Applications;
import io.herald.format.Format;
import io.herald.operational.OperationalEvents;
import io.herald.secret.Keyring;
import io.herald.secret.KeyringConfig;
import io.herald.store.Ids;
import io.herald.store.Page;
import io.herald.store.PageRequest;
import io.herald.store.Pager;
import io.herald.store.Prepared;
import io.herald.store.Rows;
import io.herald.store.Store;
import java.net.URI;
import java.net.URISyntaxException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import tools.jackson.core.type.TypeReference;

/** Endpoints of an application: CRUD, secrets and rotation, custom headers. */
public final class Endpoints {
    /** How long a rotated-out secret keeps signing beside the new one. */
    public static final Duration DEFAULT_ROTATION_OVERLAP = Duration.ofHours(24);

    /** Headers Herald sets itself, or that would break the request if a caller set them. */
    private static final Set<String> RESERVED_HEADERS = java.util.stream.Stream.of(
                    SignatureProfile.TRANSPORT_HEADERS.stream(),
                    SignatureProfile.DEFAULT.headerNames().stream(),
                    SignatureProfile.SVIX_HEADERS.headerNames().stream())
            .flatMap(s -> s).collect(java.util.stream.Collectors.toUnmodifiableSet());

    private static final RowMapper<Endpoint> ROW = (rs, ctx) -> endpoint(rs, () -> KeyringConfig.of(ctx));

    /** A row of {@code endpoint}; {@code keyring} opens its headers, when it has some. */
    private static Endpoint endpoint(ResultSet rs, Supplier<Keyring> keyring) throws SQLException {
        String id = rs.getString("id");
        return new Endpoint(
            id, rs.getString("app_id"), rs.getString("uid"), rs.getString("url"),
            rs.getString("description"), rs.getInt("version"), Rows.intOrNull(rs, "rate_limit"),
            readSet(rs.getString("filter_types")), readSet(rs.getString("channels")), rs.getBoolean("disabled"),
            CustomHeaders.read(rs.getString("headers"), id, keyring).values(), readMap(rs.getString("metadata")),
            Rows.instant(rs, "created_at"), Rows.instant(rs, "updated_at"),
            new DeliveryPolicy(Format.stored(rs.getString("format")), rs.getString("filter"), SignatureProfile.stored(rs.getString("signature")), RetrySchedule.stored(rs.getString("retry")),
                    Rows.intOrNull(rs, "timeout_ms"), CircuitBreaker.stored(rs.getString("circuit")),
                    DeliveryPolicy.FIFO.equals(rs.getString("ordering")), Rows.intOrNull(rs, "max_in_flight")),
            health(rs));
    }

    /** The health columns of an endpoint row. */
    public static Health health(ResultSet rs) throws SQLException {
        return new Health(rs.getInt("failures"), Rows.instantOrNull(rs, "failing_since"), Rows.instantOrNull(rs, "last_success_at"),
                Rows.instantOrNull(rs, "last_failure_at"), rs.getString("last_error"), Rows.instantOrNull(rs, "circuit_until"),
                rs.getInt("probes"), rs.getBoolean("holding"), rs.getString("disabled_reason"));
    }

    private static Secrets secrets(ResultSet rs, Supplier<Keyring> keyring) throws SQLException {
        return Secrets.read(rs.getString("id"), rs.getString("secret"), rs.getString("old_secrets"), keyring);
    }

    private static final RowMapper<Secrets> SECRETS = (rs, ctx) -> secrets(rs, () -> KeyringConfig.of(ctx));

    private static Sendable sendable(ResultSet rs, Supplier<Keyring> keyring) throws SQLException {
        return new Sendable(endpoint(rs, keyring), secrets(rs, keyring),
                new Owner(rs.getString("app_id"), rs.getString("app_uid"), rs.getString("app_name"),
                        Rows.intOrNull(rs, "app_rate_limit")));
    }

    private static final RowMapper<Sendable> SENDABLE = (rs, ctx) -> sendable(rs, () -> KeyringConfig.of(ctx));

    /** {@link #SENDABLE} for statements run outside jdbi, which pass no context: the keyring comes from {@code h}. */
    private static RowMapper<Sendable> sendableOn(Handle h) {
        return (rs, ctx) -> sendable(rs, () -> KeyringConfig.of(h));
    }

    /** An endpoint row with what sending needs of its application, in one statement. */
    private static final String ENDPOINT_SELECT = "SELECT e.* FROM endpoint e";
    private static final String SENDABLE_SELECT = """
            SELECT e.*, a.uid AS app_uid, a.name AS app_name, a.rate_limit AS app_rate_limit
            FROM endpoint e JOIN application a ON a.id = e.app_id""";

    /** Reads a row of {@code endpoint}, for queries of other packages that select {@code endpoint.*}. */
    public static RowMapper<Endpoint> rows() {
        return ROW;
    }

    private final Store store;
    private final Ids ids;
    private final Clock clock;
    private final boolean httpsOnly;
    private final DeliveryPolicy.Timeouts timeouts;
    private final OperationalEvents events;
    /**
     * Why a URL's host is refused when saved (a literal non-public address), or empty: the SSRF
     * guard's {@code literalRefusal}, passed in so that this package does not depend on delivery.
     */
    private final java.util.function.Function<String, java.util.Optional<String>> refusedHost;

    /**
     * {@code timeouts}: the endpoint timeouts the dispatcher's lease covers; {@code events}: where
     * creations, updates, deletions, enables and disables are told, in their transactions.
     */
    public Endpoints(Store store, Ids ids, Clock clock, boolean httpsOnly, DeliveryPolicy.Timeouts timeouts,
                     OperationalEvents events, java.util.function.Function<String, java.util.Optional<String>> refusedHost) {
        this.refusedHost = refusedHost;
        this.store = store;
        this.ids = ids;
        this.clock = clock;
        this.httpsOnly = httpsOnly;
        this.timeouts = timeouts;
        this.events = events;
    }

    /**
     * The application a call addresses, resolved inside its transaction; throws NotFound. The
     * public methods address applications by id or uid; {@link OperationalEndpoints} addresses the
     * reserved application, which those never find.
     */
    @FunctionalInterface
    interface Scope {
        Application resolve(Handle h);
    }

    private static Scope app(String appIdOrUid) {
        return h -> Applications.get(h, appIdOrUid);
    }

    static Set<String> readSet(String json) {
        if (json == null) {
            return null;
        }
        return Set.copyOf(Json.MAPPER.readValue(json, new TypeReference<List<String>>() {}));
    }

    static Map<String, String> readMap(String json) {
        // Every publish maps its endpoints; most have no headers and no metadata: spare the parser.
        return json.equals("{}") ? Map.of() : Map.copyOf(Json.MAPPER.readValue(json, new TypeReference<Map<String, String>>() {}));
    }

    private static String writeSet(Set<String> set) {
        return set == null ? null : Json.write(new ArrayList<>(new java.util.TreeSet<>(set)));
    }

    /** The longest endpoint URL: what browsers, proxies and CDNs reliably carry. */
    public static final int MAX_URL_LENGTH = 2048;
    /** Custom headers per endpoint, and the length of one value. */
    public static final int MAX_HEADERS = 50;
    public static final int MAX_HEADER_VALUE = 4096;
    /** Event types (names or wildcards) one endpoint may subscribe to. */
    public static final int MAX_EVENT_TYPES = 256;

    /**
     * Checks an endpoint URL: absolute http(s) with a host and a port in 1–65535 when given, https
     * when the server demands it, and not a literal address the SSRF guard refuses (unless
     * HERALD_ALLOWED_TARGETS allows it).
     */
    URI checkUrl(String field, String url) {
        URI uri = checkUrl(field, url, httpsOnly);
        if (uri.getPort() == 0 || uri.getPort() > 65_535) {
            throw new HeraldException.InvalidInput(field, "has port " + uri.getPort() + "; a port must be 1 to 65535");
        }
        refusedHost.apply(uri.getHost()).ifPresent(why -> {
            throw new HeraldException.InvalidInput(field, "is refused by the SSRF guard: " + why
                    + " (HERALD_ALLOWED_TARGETS can allow it)");
        });
        return uri;
    }

    /** Checks an endpoint URL: absolute http(s) with a host, https when the server demands it. */
    public static URI checkUrl(String field, String url, boolean httpsOnly) {
        Validate.required(field, url);
        Validate.length(field, url, 1, MAX_URL_LENGTH);
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new HeraldException.InvalidInput(field, "is not a valid URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw new HeraldException.InvalidInput(field, "must be an http or https URL");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new HeraldException.InvalidInput(field, "must name a host");
        }
        if (uri.getUserInfo() != null) {
            throw new HeraldException.InvalidInput(field, "must not carry credentials; use a custom Authorization header");
        }
        if (httpsOnly && !scheme.equals("https")) {
            throw new HeraldException.InvalidInput(field, "must be https (this server runs with HERALD_HTTPS_ONLY=true)");
        }
        return uri;
    }

    /** Custom headers must not collide with what Herald sets, including the signature profile's headers. */
    static void checkHeaders(String field, Map<String, String> headers, SignatureProfile signature) {
        if (headers == null) {
            return;
        }
        if (headers.size() > MAX_HEADERS) {
            throw new HeraldException.InvalidInput(field, "may hold at most " + MAX_HEADERS + " headers");
        }
        Set<String> profile = new java.util.HashSet<>();
        signature.headerNames().forEach(n -> profile.add(n.toLowerCase(Locale.ROOT)));
        for (Map.Entry<String, String> e : headers.entrySet()) {
            String f = field + "." + e.getKey();
            Validate.headerName(f, e.getKey());
            String lower = e.getKey().toLowerCase(Locale.ROOT);
            if (RESERVED_HEADERS.contains(lower)) {
                throw new HeraldException.InvalidInput(f, "is set by Herald and cannot be overridden");
            }
            if (profile.contains(lower)) {
                throw new HeraldException.InvalidInput(f, "is set by this endpoint's " + signature.type() + " signature profile");
            }
            if (e.getValue() == null || e.getValue().chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
                throw new HeraldException.InvalidInput(f, "must be a string without line breaks");
            }
            // What HTTP/1.1 carries unambiguously: visible ASCII, spaces and tabs. Other bytes are
            // read differently by different receivers (or sent empty by Jetty's client).
            if (e.getValue().chars().anyMatch(c -> c != '\t' && (c < 0x20 || c > 0x7e))) {
                throw new HeraldException.InvalidInput(f, "must hold only visible ASCII characters, spaces and tabs");
            }
            if (e.getValue().length() > MAX_HEADER_VALUE) {
                throw new HeraldException.InvalidInput(f, "must be at most " + MAX_HEADER_VALUE + " characters long");
            }
        }
    }

    /** Checks {@code in}; {@code keptTimeoutMs} is the timeout the endpoint has now (null on create). */
    private DeliveryPolicy validate(EndpointIn in, Integer keptTimeoutMs) {
        checkUrl("url", in.url());
        Validate.length("description", in.description(), 0, 4096);
        Validate.uid("uid", in.uid());
        Validate.range("version", in.version(), 1, 1_000_000);
        Validate.range("throttleRate", in.rateLimit(), 1, 65_535);
        if (in.filterTypes() != null) {
            if (in.filterTypes().isEmpty()) {
                throw new HeraldException.InvalidInput("eventTypes", "must hold at least one event type, or be omitted");
            }
            if (in.filterTypes().size() > MAX_EVENT_TYPES) {
                throw new HeraldException.InvalidInput("eventTypes", "may hold at most " + MAX_EVENT_TYPES + " event types");
            }
            int i = 0;
            for (String t : in.filterTypes()) {
                String f = "eventTypes[" + i++ + "]";
                if (t == null || !(t.equals("*") || (t.endsWith(".*") && t.length() > 2
                        ? isName(t.substring(0, t.length() - 2)) : isName(t)))) {
                    throw new HeraldException.InvalidInput(f, "must be an event type name, '*' or a prefix such as 'scan.*'");
                }
            }
        }
        if (in.channels() != null && in.channels().isEmpty()) {
            throw new HeraldException.InvalidInput("channels", "must hold at least one channel, or be omitted");
        }
        Validate.channels("channels", in.channels());
        DeliveryPolicy policy = DeliveryPolicy.parse(in.policy(), timeouts, keptTimeoutMs);
        checkHeaders("headers", in.headers(), policy.signature());
        Validate.metadata("metadata", in.metadata());
        return policy;
    }

    private static boolean isName(String s) {
        return s.length() <= 256 && s.matches("[a-zA-Z0-9\\-_.]+");
    }

    public Endpoint create(String appIdOrUid, EndpointIn in) {
        return create(app(appIdOrUid), in);
    }

    Endpoint create(Scope scope, EndpointIn in) {
        DeliveryPolicy policy = validate(in, null);
        String secret = in.secret() == null ? Secrets.generate() : Secrets.parse("secret", in.secret(), policy.signature());
        CustomHeaders headers = CustomHeaders.NONE.replacedBy(in.headers() == null ? Map.of() : in.headers(), Set.of(), "headers");
        return store.inTransaction(h -> {
            Application app = scope.resolve(h);
            checkUidFree(h, app.id(), in.uid(), null);
            long now = clock.millis();
            String id = ids.next("ep");
            int inserted = h.createUpdate("""
                    INSERT INTO endpoint (id, app_id, uid, url, description, version, rate_limit, filter_types, channels,
                                          disabled, headers, metadata, secret, old_secrets, created_at, updated_at,
                                          format, filter, signature, retry, timeout_ms, circuit, ordering,
                                          max_in_flight)
                    VALUES (:id, :app, :uid, :url, :description, :version, :rateLimit, :filterTypes, :channels,
                            :disabled, :headers, :metadata, :secret, '[]', :now, :now,
                            :format, :filter, :signature, :retry, :timeoutMs, :circuit, :ordering, :maxInFlight)
                    ON CONFLICT (app_id, uid) DO NOTHING""")
                    .bind("id", id).bind("app", app.id()).bind("now", now)
                    .bind("secret", new Secrets(secret, List.of()).currentColumn(KeyringConfig.of(h), id))
                    .bind("headers", headers.write(KeyringConfig.of(h), id))
                    .bindMap(fields(in, policy))
                    .execute();
            if (inserted == 0) {
                // A concurrent request took the uid after checkUidFree looked (PostgreSQL).
                throw uidTaken(in.uid());
            }
            events.emit(h, OperationalEvents.ENDPOINT_CREATED, OperationalEvents.endpointData(app.id(), app.uid(), id, in.uid()), now);
            return find(h, app.id(), id);
        });
    }

    private static Map<String, Object> fields(EndpointIn in, DeliveryPolicy policy) {
        Map<String, Object> m = new TreeMap<>();
        m.put("uid", in.uid());
        m.put("url", in.url());
        m.put("description", in.description() == null ? "" : in.description());
        m.put("version", in.version() == null ? 1 : in.version());
        m.put("rateLimit", in.rateLimit());
        m.put("filterTypes", writeSet(in.filterTypes()));
        m.put("channels", writeSet(in.channels()));
        m.put("disabled", Boolean.TRUE.equals(in.disabled()));
        m.put("metadata", Json.write(in.metadata() == null ? Map.of() : in.metadata()));
        m.put("format", policy.format().type().equals("json") ? null : Json.write(policy.format().spec()));
        m.put("filter", policy.filter());
        m.put("signature", policy.signature().equals(SignatureProfile.DEFAULT) ? null : Json.write(policy.signature().spec()));
        m.put("retry", policy.retry() == null ? null : Json.write(policy.retry()));
        m.put("timeoutMs", policy.timeoutMs());
        m.put("circuit", policy.circuitBreaker() == null ? null : Json.write(policy.circuitBreaker().spec()));
        m.put("ordering", policy.fifo() ? DeliveryPolicy.FIFO : null);
        m.put("maxInFlight", policy.maxInFlight());
        return m;
    }

    private static void checkUidFree(Handle h, String appId, String uid, String exceptId) {
        if (uid == null) {
            return;
        }
        boolean taken = h.createQuery("SELECT id FROM endpoint WHERE app_id = :app AND uid = :uid")
                .bind("app", appId).bind("uid", uid).mapTo(String.class).findOne()
                .filter(id -> !id.equals(exceptId)).isPresent();
        if (taken) {
            throw uidTaken(uid);
        }
    }

    private static HeraldException.Conflict uidTaken(String uid) {
        return new HeraldException.Conflict("uid", "an endpoint with uid '" + uid + "' already exists in this application");
    }

    public Page<Endpoint> list(String appIdOrUid, PageRequest page) {
        return list(app(appIdOrUid), page);
    }

    Page<Endpoint> list(Scope scope, PageRequest page) {
        return store.read(h -> {
            Application app = scope.resolve(h);
            return Pager.page(h, "SELECT * FROM endpoint WHERE app_id = :app", page, q -> q.bind("app", app.id()), ROW, Endpoint::id);
        });
    }

    public Endpoint get(String appIdOrUid, String idOrUid) {
        return get(app(appIdOrUid), idOrUid);
    }

    Endpoint get(Scope scope, String idOrUid) {
        return store.read(h -> find(h, scope.resolve(h).id(), idOrUid));
    }

    /** The endpoint, if the application has one with this id or uid; a missing application is NotFound. */
    public java.util.Optional<Endpoint> find(String appIdOrUid, String idOrUid) {
        return find(app(appIdOrUid), idOrUid);
    }

    java.util.Optional<Endpoint> find(Scope scope, String idOrUid) {
        return store.read(h -> findOne(h, ENDPOINT_SELECT, scope.resolve(h).id(), idOrUid, ROW));
    }

    /**
     * Creates the endpoint a Svix PUT addressed as {@code pathIdOrUid} and did not find: with that
     * value as its uid. A different uid in {@code in} is refused.
     */
    public Endpoint createAlongside(String appIdOrUid, String pathIdOrUid, EndpointIn in) {
        return createAlongside(app(appIdOrUid), pathIdOrUid, in);
    }

    Endpoint createAlongside(Scope scope, String pathIdOrUid, EndpointIn in) {
        if (in.uid() != null && !in.uid().equals(pathIdOrUid)) {
            throw new HeraldException.InvalidInput("uid", "must be the endpoint_id of the path ('" + pathIdOrUid + "'), or left out");
        }
        return create(scope, new EndpointIn(in.url(), in.description(), pathIdOrUid, in.version(), in.rateLimit(),
                in.filterTypes(), in.channels(), in.disabled(), in.headers(), in.metadata(), in.secret(), in.policy()));
    }

    /** Looks an endpoint up by id or uid within one application; throws NotFound. */
    public static Endpoint find(Handle h, String appId, String idOrUid) {
        return find(h, ENDPOINT_SELECT, appId, idOrUid, ROW);
    }

    /** {@link #find} with the endpoint's keys and its application, in the same statement. */
    public static Sendable findSendable(Handle h, String appId, String idOrUid) {
        return find(h, SENDABLE_SELECT, appId, idOrUid, SENDABLE);
    }

    private static <T> T find(Handle h, String select, String appId, String idOrUid, RowMapper<T> mapper) {
        return findOne(h, select, appId, idOrUid, mapper).orElseThrow(() -> new HeraldException.NotFound("endpoint", idOrUid));
    }

    private static <T> java.util.Optional<T> findOne(Handle h, String select, String appId, String idOrUid, RowMapper<T> mapper) {
        return h.createQuery(select + """
                 WHERE e.app_id = :app AND (e.id = :k OR e.uid = :k)
                ORDER BY CASE WHEN e.id = :k THEN 0 ELSE 1 END LIMIT 1""")
                .bind("app", appId).bind("k", idOrUid).map(mapper).findOne();
    }

    /**
     * The application an endpoint belongs to, as an attempt needs it: uid and name for the body
     * (the envelope's tenant, a template's {@code app}), the rate limit for pacing. {@code uid} and
     * {@code rateLimit} may be null.
     */
    public record Owner(String id, String uid, String name, Integer rateLimit) {}

    /** An endpoint with its keys and its application: all an attempt needs of it. */
    public record Sendable(Endpoint endpoint, Secrets secrets, Owner app) {}

    private static final String ENABLED_OF = SENDABLE_SELECT + " WHERE e.app_id = ? AND e.disabled = ?";
    private static final String SENDABLE_BY_ID = SENDABLE_SELECT + " WHERE e.id = ?";

    /** Every endpoint of an application that is not disabled, with its keys, for fan-out. Every publish reads it. */
    public static List<Sendable> enabledOf(Handle h, String appId) {
        return Prepared.on(h, ENABLED_OF).set(appId).set(false).list(sendableOn(h));
    }

    /** One endpoint with its keys and application, read in one statement; empty when deleted. */
    public static java.util.Optional<Sendable> sendable(Handle h, String id) {
        return Prepared.on(h, SENDABLE_BY_ID).set(id).first(sendableOn(h));
    }

    /**
     * PUT semantics: fields absent from {@code in} are reset to their defaults. The secret is kept,
     * unless {@code in} gives another one: that one is rotated in, the current one signing beside
     * it for {@link #DEFAULT_ROTATION_OVERLAP}. A header value of {@link CustomHeaders#MASK} keeps
     * the stored value of a sensitive header.
     * Enabling a disabled endpoint, or pointing it at another URL, starts its health afresh: the
     * failure count goes back to zero and an open circuit closes (its held deliveries are then
     * released, see the dispatcher's breaker).
     */
    public Endpoint update(String appIdOrUid, String idOrUid, EndpointIn in) {
        return update(app(appIdOrUid), idOrUid, in);
    }

    /**
     * Tells {@code endpoint.updated}, and {@code endpoint.disabled} (manual) or
     * {@code endpoint.enabled} when {@code disabled} changes.
     */
    Endpoint update(Scope scope, String idOrUid, EndpointIn in) {
        return store.inTransaction(h -> {
            Application app = scope.resolve(h);
            Endpoint current = find(h, app.id(), idOrUid);
            DeliveryPolicy policy = validate(in, current.policy().timeoutMs());
            checkUidFree(h, app.id(), in.uid(), current.id());
            boolean disabled = Boolean.TRUE.equals(in.disabled());
            boolean afresh = (current.disabled() && !disabled) || !current.url().equals(in.url());
            Keyring keyring = KeyringConfig.of(h);
            CustomHeaders headers = storedHeaders(h, current.id())
                    .replacedBy(in.headers() == null ? Map.of() : in.headers(), Set.of(), "headers");
            Secrets secrets = secrets(h, current.id());
            Secrets next = afterUpdate(secrets, in.secret(), policy.signature(), clock.instant());
            if (!next.equals(secrets)) {
                writeSecrets(h, keyring, current.id(), next);
            }
            h.createUpdate("""
                    UPDATE endpoint SET uid = :uid, url = :url, description = :description, version = :version,
                           rate_limit = :rateLimit, filter_types = :filterTypes, channels = :channels,
                           disabled = :disabled, headers = :headers, metadata = :metadata, updated_at = :now,
                           format = :format, filter = :filter, signature = :signature, retry = :retry, timeout_ms = :timeoutMs,
                           circuit = :circuit, ordering = :ordering, max_in_flight = :maxInFlight,
                           disabled_reason = CASE WHEN :disabled THEN disabled_reason END
                    WHERE id = :id""")
                    .bind("id", current.id()).bind("now", clock.millis())
                    .bind("headers", headers.write(keyring, current.id()))
                    .bindMap(fields(in, policy))
                    .execute();
            if (afresh) {
                resetHealth(h, current.id());
            }
            if (current.policy().fifo() && !policy.fifo()) {
                // Its deliveries waiting their turn go out as any others now: the dispatcher releases them.
                h.createUpdate("UPDATE endpoint SET holding = :yes, fifo_active = NULL WHERE id = :id")
                        .bind("yes", true).bind("id", current.id()).execute();
            }
            Endpoint updated = find(h, app.id(), current.id());
            long now = clock.millis();
            Map<String, Object> data = OperationalEvents.endpointData(app.id(), app.uid(), updated.id(), updated.uid());
            events.emit(h, OperationalEvents.ENDPOINT_UPDATED, data, now);
            if (current.disabled() && !updated.disabled()) {
                events.emit(h, OperationalEvents.ENDPOINT_ENABLED, data, now);
            } else if (!current.disabled() && updated.disabled()) {
                events.emit(h, OperationalEvents.ENDPOINT_DISABLED, disabledData(data, "manual", null), now);
            }
            return updated;
        });
    }

    /** Forgets an endpoint's failures and closes its circuit; what it holds is released by the dispatcher. */
    private static void resetHealth(Handle h, String endpointId) {
        h.createUpdate("""
                UPDATE endpoint SET failures = 0, failing_since = NULL, circuit_until = NULL, probes = 0
                WHERE id = :id""").bind("id", endpointId).execute();
    }

    public void delete(String appIdOrUid, String idOrUid) {
        delete(app(appIdOrUid), idOrUid);
    }

    void delete(Scope scope, String idOrUid) {
        store.inTransaction(h -> {
            Application app = scope.resolve(h);
            Endpoint ep = find(h, app.id(), idOrUid);
            // Queued deliveries go with the endpoint; the attempt log is kept for the messages' history.
            h.createUpdate("DELETE FROM delivery WHERE endpoint_id = :ep").bind("ep", ep.id()).execute();
            h.createUpdate("DELETE FROM endpoint WHERE id = :ep").bind("ep", ep.id()).execute();
            events.emit(h, OperationalEvents.ENDPOINT_DELETED, OperationalEvents.endpointData(app.id(), app.uid(), ep.id(), ep.uid()),
                    clock.millis());
            return null;
        });
    }

    /** The current secret of an endpoint, as the API shows it. */
    public String secret(String appIdOrUid, String idOrUid) {
        return secret(app(appIdOrUid), idOrUid);
    }

    String secret(Scope scope, String idOrUid) {
        return store.read(h -> {
            Endpoint ep = find(h, scope.resolve(h).id(), idOrUid);
            return secrets(h, ep.id()).current();
        });
    }

    public static Secrets secrets(Handle h, String endpointId) {
        return h.createQuery("SELECT id, secret, old_secrets FROM endpoint WHERE id = :id")
                .bind("id", endpointId).map(SECRETS).one();
    }

    /**
     * Makes {@code newKey} (or a fresh key) the current secret. The previous one keeps signing,
     * beside the new one, for {@code overlap}; keys whose overlap has ended are dropped.
     */
    public void rotateSecret(String appIdOrUid, String idOrUid, String newKey, Duration overlap) {
        rotateSecret(app(appIdOrUid), idOrUid, newKey, overlap);
    }

    void rotateSecret(Scope scope, String idOrUid, String newKey, Duration overlap) {
        store.inTransaction(h -> {
            Endpoint ep = find(h, scope.resolve(h).id(), idOrUid);
            SignatureProfile profile = ep.policy().signature();
            String key = newKey == null ? Secrets.generate() : Secrets.parse("key", newKey, profile);
            Instant now = clock.instant();
            Secrets next = rotated(secrets(h, ep.id()), key, overlap, now);
            writeSecrets(h, KeyringConfig.of(h), ep.id(), profile.type().equals(SignatureProfile.HEX) ? next : next.standardOnly());
            h.createUpdate("UPDATE endpoint SET updated_at = :now WHERE id = :id")
                    .bind("now", now.toEpochMilli()).bind("id", ep.id()).execute();
            return null;
        });
    }

    /** {@code key} made current; the current one keeps signing for {@code overlap}; expired ones are dropped. */
    private static Secrets rotated(Secrets old, String key, Duration overlap, Instant now) {
        List<Secrets.Previous> keep = new ArrayList<>();
        if (overlap.isPositive()) {
            keep.add(new Secrets.Previous(old.current(), now.plus(overlap)));
        }
        old.previous().stream().filter(p -> p.expiresAt().isAfter(now)).forEach(keep::add);
        return new Secrets(key, keep);
    }

    /**
     * The keys after a PUT or PATCH: a {@code given} secret that differs from the current one is
     * rotated in (the current one signing beside it for {@link #DEFAULT_ROTATION_OVERLAP}). The
     * standard and svix profiles sign with {@code whsec_} keys only: switching to them needs one
     * (rotated-out keys that are not are dropped).
     */
    private static Secrets afterUpdate(Secrets now, String given, SignatureProfile profile, Instant at) {
        Secrets next = now;
        if (given != null) {
            String key = Secrets.parse("secret", given, profile);
            if (!key.equals(now.current())) {
                next = rotated(now, key, DEFAULT_ROTATION_OVERLAP, at);
            }
        }
        if (profile.type().equals(SignatureProfile.HEX)) {
            return next;
        }
        if (!Secrets.isStandard(next.current())) {
            throw new HeraldException.InvalidInput("signature", "the " + profile.type() + " profile signs with a 'whsec_' "
                    + "secret, and this endpoint's secret is not one: send a 'whsec_' secret with this change, or rotate "
                    + "the secret to one first");
        }
        return next.standardOnly();
    }

    private static void writeSecrets(Handle h, Keyring keyring, String endpointId, Secrets secrets) {
        h.createUpdate("UPDATE endpoint SET secret = :secret, old_secrets = :old WHERE id = :id")
                .bind("secret", secrets.currentColumn(keyring, endpointId))
                .bind("old", secrets.previousColumn(keyring, endpointId))
                .bind("id", endpointId).execute();
    }

    /** The custom headers with their sensitivity; show them {@link CustomHeaders#masked()}. */
    public CustomHeaders headers(String appIdOrUid, String idOrUid) {
        return headers(app(appIdOrUid), idOrUid);
    }

    CustomHeaders headers(Scope scope, String idOrUid) {
        return store.read(h -> storedHeaders(h, find(h, scope.resolve(h).id(), idOrUid).id()));
    }

    private static CustomHeaders storedHeaders(Handle h, String endpointId) {
        String column = h.createQuery("SELECT headers FROM endpoint WHERE id = :id").bind("id", endpointId)
                .mapTo(String.class).one();
        return CustomHeaders.read(column, endpointId, () -> KeyringConfig.of(h));
    }

    /**
     * Replaces the custom headers ({@code merge=false}) or merges into them, a null value removing
     * one; {@code sensitive} marks headers sensitive (see {@link CustomHeaders}). A value of
     * {@link CustomHeaders#MASK} for a sensitive header keeps its stored value.
     */
    public void setHeaders(String appIdOrUid, String idOrUid, Map<String, String> headers, boolean merge, Set<String> sensitive) {
        setHeaders(app(appIdOrUid), idOrUid, headers, merge, sensitive);
    }

    void setHeaders(Scope scope, String idOrUid, Map<String, String> headers, boolean merge, Set<String> sensitive) {
        store.inTransaction(h -> {
            Endpoint ep = find(h, scope.resolve(h).id(), idOrUid);
            CustomHeaders stored = storedHeaders(h, ep.id());
            Map<String, String> result = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            if (merge) {
                result.putAll(stored.values());
                headers.forEach((k, v) -> {
                    if (v == null) {
                        result.remove(k);
                    } else {
                        result.put(k, v);
                    }
                });
            } else {
                Validate.metadata("headers", headers);
                result.putAll(headers);
            }
            checkHeaders("headers", result, ep.policy().signature());
            CustomHeaders next = stored.replacedBy(result, sensitive == null ? Set.of() : sensitive, "sensitive");
            h.createUpdate("UPDATE endpoint SET headers = :headers, updated_at = :now WHERE id = :id")
                    .bind("headers", next.write(KeyringConfig.of(h), ep.id()))
                    .bind("now", clock.millis()).bind("id", ep.id()).execute();
            return null;
        });
    }

    /**
     * Disables an endpoint on Herald's own decision, saying why ({@code reason}): its receiver
     * answered 410 Gone, or it kept failing. Nothing more is queued for it; what it holds is given
     * up by the dispatcher. The one place that does so; it tells {@code endpoint.disabled} with
     * trigger {@code automatic} and {@code failSince} (the start of the failures that led here; null
     * when unknown) in {@code h}'s transaction. Returns false, telling nothing, when the endpoint
     * was disabled already or is gone.
     */
    public static boolean disable(Handle h, OperationalEvents events, String endpointId, long now, Instant failSince,
                                  String reason) {
        boolean changed = h.createUpdate("""
                UPDATE endpoint SET disabled = :yes, disabled_reason = :reason, updated_at = :now
                WHERE id = :id AND disabled = :no""")
                .bind("yes", true).bind("no", false).bind("reason", reason).bind("now", now).bind("id", endpointId)
                .execute() == 1;
        if (changed) {
            events.emit(h, OperationalEvents.ENDPOINT_DISABLED, null, () -> disabledData(h.createQuery("""
                    SELECT e.app_id, a.uid AS app_uid, e.uid FROM endpoint e JOIN application a ON a.id = e.app_id WHERE e.id = :id""")
                    .bind("id", endpointId)
                    .map((rs, ctx) -> OperationalEvents.endpointData(rs.getString("app_id"), rs.getString("app_uid"), endpointId,
                            rs.getString("uid")))
                    .one(), "automatic", failSince), now);
        }
        return changed;
    }

    /** Svix's {@code endpoint.disabled} data: the endpoint's, with {@code trigger} and, when known, {@code failSince}. */
    private static Map<String, Object> disabledData(Map<String, Object> endpoint, String trigger, Instant failSince) {
        Map<String, Object> m = new java.util.LinkedHashMap<>(endpoint);
        if (failSince != null) {
            m.put("failSince", failSince.toString());
        }
        m.put("trigger", trigger);
        return m;
    }

    static Set<String> orderedCopy(Set<String> s) {
        return s == null ? null : new LinkedHashSet<>(s);
    }
}
