package io.herald;

import io.herald.delivery.Cidr;
import io.herald.delivery.DispatcherSettings;
import io.herald.delivery.RetryPolicy;
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
 * @param poolSize       database connections
 */
public record EngineConfig(String databaseUrl, boolean httpsOnly, List<Cidr> allowedTargets,
                           DispatcherSettings dispatcher, List<Duration> retryDelays, int poolSize) {
    public static final int DEFAULT_POOL_SIZE = 16;

    public EngineConfig {
        allowedTargets = List.copyOf(allowedTargets);
        retryDelays = List.copyOf(retryDelays);
    }

    public static EngineConfig defaults(String databaseUrl) {
        return new EngineConfig(databaseUrl, true, List.of(), DispatcherSettings.DEFAULTS, RetryPolicy.DEFAULT_DELAYS,
                DEFAULT_POOL_SIZE);
    }

    public EngineConfig withHttpsOnly(boolean v) {
        return new EngineConfig(databaseUrl, v, allowedTargets, dispatcher, retryDelays, poolSize);
    }

    public EngineConfig withAllowedTargets(List<Cidr> v) {
        return new EngineConfig(databaseUrl, httpsOnly, v, dispatcher, retryDelays, poolSize);
    }

    public EngineConfig withDispatcher(DispatcherSettings v) {
        return new EngineConfig(databaseUrl, httpsOnly, allowedTargets, v, retryDelays, poolSize);
    }

    public EngineConfig withRetryDelays(List<Duration> v) {
        return new EngineConfig(databaseUrl, httpsOnly, allowedTargets, dispatcher, v, poolSize);
    }
}
