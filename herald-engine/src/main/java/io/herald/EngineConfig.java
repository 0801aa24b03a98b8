package io.herald;

import io.herald.audit.AuditLog;
import io.herald.delivery.Cidr;
import io.herald.delivery.DispatcherSettings;
import io.herald.delivery.EgressProxy;
import io.herald.delivery.RetryPolicy;
import io.herald.retention.Retention;
import io.herald.secret.Keyring;
import io.herald.store.StoreSettings;
import java.time.Duration;
import java.util.List;

/**
 * Everything the engine needs to run, already validated.
 *
 * @param databaseUrl    JDBC URL: {@code jdbc:sqlite:…} or {@code jdbc:postgresql:…}
 * @param httpsOnly      endpoint URLs must be https
 * @param allowedTargets ranges the SSRF guard lets through although they are not public
 * @param dispatcher     pacing of the delivery engine
 * @param retryDelays    delays between attempts; its length + 1 is the number of attempts
 * @param store          database connections, and how many of them write
 * @param auditRetention how long the audit log keeps its rows
 * @param keyring        the keys that encrypt endpoint secrets and custom headers at rest; required
 *                       to start (the defaults have none: an embedding application chooses where its
 *                       keys live, see {@link Keyring} and {@link io.herald.secret.KeyFile})
 * @param proxy          the HTTP proxy deliveries leave through (CONNECT), or null to connect directly
 * @param retention      how long messages, their deliveries and attempts are kept (see {@link Retention})
 */
public record EngineConfig(String databaseUrl, boolean httpsOnly, List<Cidr> allowedTargets,
                           DispatcherSettings dispatcher, List<Duration> retryDelays, StoreSettings store,
                           Duration auditRetention, Keyring keyring, EgressProxy proxy, Duration retention) {

    public EngineConfig {
        allowedTargets = List.copyOf(allowedTargets);
        retryDelays = List.copyOf(retryDelays);
    }

    /** With the default retention of messages. */
    public EngineConfig(String databaseUrl, boolean httpsOnly, List<Cidr> allowedTargets,
                        DispatcherSettings dispatcher, List<Duration> retryDelays, StoreSettings store,
                        Duration auditRetention, Keyring keyring, EgressProxy proxy) {
        this(databaseUrl, httpsOnly, allowedTargets, dispatcher, retryDelays, store, auditRetention, keyring, proxy,
                Retention.DEFAULT);
    }

    /** With the audit log's default retention and no keyring yet. */
    public EngineConfig(String databaseUrl, boolean httpsOnly, List<Cidr> allowedTargets,
                        DispatcherSettings dispatcher, List<Duration> retryDelays, StoreSettings store) {
        this(databaseUrl, httpsOnly, allowedTargets, dispatcher, retryDelays, store, AuditLog.DEFAULT_RETENTION, null, null);
    }

    public static EngineConfig defaults(String databaseUrl) {
        return new EngineConfig(databaseUrl, true, List.of(), DispatcherSettings.DEFAULTS, RetryPolicy.DEFAULT_DELAYS,
                StoreSettings.DEFAULTS);
    }

    public EngineConfig withHttpsOnly(boolean v) {
        return new EngineConfig(databaseUrl, v, allowedTargets, dispatcher, retryDelays, store, auditRetention, keyring, proxy, retention);
    }

    public EngineConfig withAllowedTargets(List<Cidr> v) {
        return new EngineConfig(databaseUrl, httpsOnly, v, dispatcher, retryDelays, store, auditRetention, keyring, proxy, retention);
    }

    public EngineConfig withDispatcher(DispatcherSettings v) {
        return new EngineConfig(databaseUrl, httpsOnly, allowedTargets, v, retryDelays, store, auditRetention, keyring, proxy, retention);
    }

    public EngineConfig withRetryDelays(List<Duration> v) {
        return new EngineConfig(databaseUrl, httpsOnly, allowedTargets, dispatcher, v, store, auditRetention, keyring, proxy, retention);
    }

    public EngineConfig withStore(StoreSettings v) {
        return new EngineConfig(databaseUrl, httpsOnly, allowedTargets, dispatcher, retryDelays, v, auditRetention, keyring, proxy, retention);
    }

    public EngineConfig withAuditRetention(Duration v) {
        return new EngineConfig(databaseUrl, httpsOnly, allowedTargets, dispatcher, retryDelays, store, v, keyring, proxy, retention);
    }

    public EngineConfig withKeyring(Keyring v) {
        return new EngineConfig(databaseUrl, httpsOnly, allowedTargets, dispatcher, retryDelays, store, auditRetention, v, proxy, retention);
    }

    public EngineConfig withProxy(EgressProxy v) {
        return new EngineConfig(databaseUrl, httpsOnly, allowedTargets, dispatcher, retryDelays, store, auditRetention, keyring, v, retention);
    }

    public EngineConfig withRetention(Duration v) {
        return new EngineConfig(databaseUrl, httpsOnly, allowedTargets, dispatcher, retryDelays, store, auditRetention, keyring, proxy, v);
    }
}
