package io.herald;

import io.herald.app.Applications;
import io.herald.attempt.Attempts;
import io.herald.audit.AuditLog;
import io.herald.auth.Tokens;
import io.herald.auth.WebSessions;
import io.herald.delivery.Dispatcher;
import io.herald.delivery.DispatcherSettings;
import io.herald.delivery.HttpSender;
import io.herald.delivery.LatestDeliveries;
import io.herald.delivery.RetryPolicy;
import io.herald.delivery.SsrfGuard;
import io.herald.endpoint.DeliveryPolicy;
import io.herald.endpoint.Endpoints;
import io.herald.endpoint.OperationalEndpoints;
import io.herald.endpoint.RetrySchedule;
import io.herald.endpoint.SecretsAtRest;
import io.herald.eventtype.EventTypes;
import io.herald.idempotency.IdempotencyKeys;
import io.herald.message.Messages;
import io.herald.metrics.EngineMetrics;
import io.herald.metrics.ServerOverview;
import io.herald.metrics.StoreGauges;
import io.herald.metrics.TopEndpoints;
import io.herald.operational.OperationalEvents;
import io.herald.retention.Retention;
import io.herald.secret.KeyringConfig;
import io.herald.store.Ids;
import io.herald.store.Store;
import io.herald.task.BackgroundTasks;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.random.RandomGenerator;

/**
 * The engine, wired: store, services and the dispatcher. Embeddable: nothing here knows HTTP
 * routing. Start it with {@link #start}, then {@link #close} it to shut down gracefully.
 */
public final class Herald implements AutoCloseable {
    public static final String VERSION = versionOf();

    private final Store store;
    private final HttpSender sender;
    private final Dispatcher dispatcher;
    private final Applications applications;
    private final EventTypes eventTypes;
    private final Endpoints endpoints;
    private final OperationalEndpoints operationalEndpoints;
    private final Messages messages;
    private final Attempts attempts;
    private final Tokens tokens;
    private final WebSessions webSessions;
    private final BackgroundTasks tasks;
    private final LatestDeliveries latestDeliveries;
    private final IdempotencyKeys idempotencyKeys;
    private final AuditLog audit;
    private final EngineMetrics metrics;
    private final Readiness readiness;
    private final Retention retention;
    private final Clock clock;
    private volatile TopEndpoints topEndpoints;

    private Herald(EngineConfig config, Clock clock, RandomGenerator random, MeterRegistry registry) {
        this.clock = clock;
        this.metrics = new EngineMetrics(registry);
        this.store = openStore(config, registry);
        StoreGauges.register(registry, store, clock);
        Ids ids = new Ids(clock, random);
        String userAgent = "Herald/" + VERSION;
        SsrfGuard guard = new SsrfGuard(config.allowedTargets());
        this.sender = new HttpSender(guard, userAgent, config.proxy());
        OperationalEvents events = new OperationalEvents(ids, retry -> Json.write(RetrySchedule.stored(retry)
                .delays(config.retryDelays()).stream().map(Duration::toMillis).toList()));
        this.dispatcher = new Dispatcher(store, sender, new RetryPolicy(config.retryDelays(), RetryPolicy.DEFAULT_JITTER, random),
                clock, ids, config.dispatcher(), "node-" + UUID.randomUUID(), config.httpsOnly(), userAgent, events, metrics);
        this.applications = new Applications(store, ids, clock);
        this.eventTypes = new EventTypes(store, clock);
        this.endpoints = new Endpoints(store, ids, clock, config.httpsOnly(), new DeliveryPolicy.Timeouts(
                config.dispatcher().maxEndpointTimeout(), DispatcherSettings.leaseCovering(DeliveryPolicy.MAX_TIMEOUT)), events,
                guard::literalRefusal);
        this.operationalEndpoints = new OperationalEndpoints(endpoints);
        this.messages = new Messages(store, ids, clock, dispatcher, eventTypes, metrics);
        this.attempts = new Attempts(store);
        this.tokens = new Tokens(store, ids, clock);
        this.webSessions = new WebSessions(store, tokens, clock);
        this.latestDeliveries = new LatestDeliveries(store, clock);
        this.tasks = new BackgroundTasks(store, ids, clock, dispatcher, config.dispatcher().pollInterval());
        this.idempotencyKeys = new IdempotencyKeys(store, clock, ids);
        this.audit = new AuditLog(store, ids, clock, config.auditRetention());
        this.readiness = new Readiness(store, dispatcher, clock, config.dispatcher().pollInterval());
        this.retention = new Retention(store, clock, config.retention());
        metrics.retention(retention.purged());
    }

    /**
     * Opens and migrates the store, gives its handles the keyring, and checks (and where an
     * earlier version left them plain, encrypts) the endpoints' secrets: a missing or wrong key
     * fails here with {@link io.herald.secret.Keyring.Unusable}, before anything runs.
     */
    private static Store openStore(EngineConfig config, MeterRegistry registry) {
        if (config.keyring() == null) {
            throw new IllegalArgumentException("EngineConfig.keyring is required: the keys that encrypt endpoint secrets at rest");
        }
        Store s = Store.open(config.databaseUrl(), config.store(), registry);
        try {
            s.configure(KeyringConfig.class, c -> c.use(config.keyring()));
            SecretsAtRest.prepare(s, config.keyring());
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Opens the store (migrating it), and starts delivering. */
    public static Herald start(EngineConfig config, Clock clock) {
        return start(config, clock, new SecureRandom());
    }

    public static Herald start(EngineConfig config, Clock clock, RandomGenerator random) {
        return start(config, clock, random, new SimpleMeterRegistry());
    }

    /**
     * As {@link #start(EngineConfig, Clock, RandomGenerator)}, with the engine's meters (see {@link
     * EngineMetrics}, {@link StoreGauges}, the pools' and the group commit's) in {@code registry}.
     */
    public static Herald start(EngineConfig config, Clock clock, RandomGenerator random, MeterRegistry registry) {
        Herald h = new Herald(config, clock, random, registry);
        h.dispatcher.start();
        h.tasks.start();
        h.idempotencyKeys.start();
        h.tokens.start();
        h.audit.start();
        h.retention.start();
        h.applications.start();
        return h;
    }

    private static String versionOf() {
        String v = Herald.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    public Store store() {
        return store;
    }

    public Dispatcher dispatcher() {
        return dispatcher;
    }

    public Applications applications() {
        return applications;
    }

    public EventTypes eventTypes() {
        return eventTypes;
    }

    public Endpoints endpoints() {
        return endpoints;
    }

    /** The operational webhook endpoints, which receive Herald's operational events. */
    public OperationalEndpoints operationalEndpoints() {
        return operationalEndpoints;
    }

    public Messages messages() {
        return messages;
    }

    public Attempts attempts() {
        return attempts;
    }

    public Tokens tokens() {
        return tokens;
    }

    public WebSessions webSessions() {
        return webSessions;
    }

    /** Where messages stand with endpoints: attempted messages and destinations, endpoint stats. */
    public LatestDeliveries latestDeliveries() {
        return latestDeliveries;
    }

    /** Recover and replay-missing, run in the background. */
    public BackgroundTasks tasks() {
        return tasks;
    }

    public IdempotencyKeys idempotencyKeys() {
        return idempotencyKeys;
    }

    /** The registry the engine's meters are in. */
    public MeterRegistry meterRegistry() {
        return metrics.registry();
    }

    /**
     * Adds the opt-in per-endpoint gauge: pending deliveries of the {@code n} endpoints with the most
     * (see {@link TopEndpoints}). Off unless called.
     */
    public void showTopEndpoints(int n) {
        topEndpoints = new TopEndpoints(store, clock, n, metrics.registry());
    }

    /** Brings the meters that are read, not counted, up to date: call before a scrape. */
    public void beforeScrape() {
        TopEndpoints top = topEndpoints;
        if (top != null) {
            top.refresh();
        }
    }

    /** Whether this node can do its work now: the database answers and its claim loop runs. */
    public Readiness readiness() {
        return readiness;
    }

    /** The server's queue, endpoints and last minute's attempts, read now (bounded queries). */
    public ServerOverview overview() {
        return ServerOverview.read(store, clock.millis());
    }

    /** Changes made through the management API: who, what, when, from where. */
    public AuditLog audit() {
        return audit;
    }

    /** The purge of messages, deliveries and attempts past their retention, and what it purged. */
    public Retention retention() {
        return retention;
    }

    @Override
    public void close() {
        applications.close();
        retention.close();
        tasks.close();
        idempotencyKeys.close();
        audit.close();
        tokens.close();
        dispatcher.close();
        sender.close();
        store.close();
    }
}
