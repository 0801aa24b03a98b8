package io.herald;

import io.herald.audit.AuditLog;
import io.herald.delivery.Cidr;
import io.herald.delivery.DispatcherSettings;
import io.herald.delivery.RetryPolicy;
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
 */
public record EngineConfig(String databaseUrl, boolean httpsOnly, List<Cidr> allowedTargets,
                           DispatcherSettings dispatcher, List<Duration> retryDelays, StoreSettings store,
                           Duration auditRetention) {

    public EngineConfig {
        allowedTargets = List.copyOf(allowedTargets);
        retryDelays = List.copyOf(retryDelays);
    }

    public EngineConfig(String databaseUrl, boolean httpsOnly, List<Cidr> allowedTargets,
                        DispatcherSettings dispatcher, List<Duration> retryDelays, StoreSettings store) {
        this(databaseUrl, httpsOnly, allowedTargets, dispatcher, retryDelays, store, AuditLog.DEFAULT_RETENTION);
    }

    public static EngineConfig defaults(String databaseUrl) {
        return new EngineConfig(databaseUrl, true, List.of(), DispatcherSettings.DEFAULTS, RetryPolicy.DEFAULT_DELAYS,
                StoreSettings.DEFAULTS);
    }

    public EngineConfig withHttpsOnly(boolean v) {
        return new EngineConfig(databaseUrl, v, allowedTargets, dispatcher, retryDelays, store, auditRetention);
    }

    public EngineConfig withAllowedTargets(List<Cidr> v) {
        return new EngineConfig(databaseUrl, httpsOnly, v, dispatcher, retryDelays, store, auditRetention);
    }

    public EngineConfig withDispatcher(DispatcherSettings v) {
        return new EngineConfig(databaseUrl, httpsOnly, allowedTargets, v, retryDelays, store, auditRetention);
    }

    public EngineConfig withRetryDelays(List<Duration> v) {
        return new EngineConfig(databaseUrl, httpsOnly, allowedTargets, dispatcher, v, store, auditRetention);
    }

    public EngineConfig withStore(StoreSettings v) {
        return new EngineConfig(databaseUrl, httpsOnly, allowedTargets, dispatcher, retryDelays, v, auditRetention);
    }

    public EngineConfig withAuditRetention(Duration v) {
        return new EngineConfig(databaseUrl, httpsOnly, allowedTargets, dispatcher, retryDelays, store, v);
    }
}
