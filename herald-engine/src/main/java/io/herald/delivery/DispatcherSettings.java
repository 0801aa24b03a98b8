package io.herald.delivery;

import io.herald.endpoint.CircuitBreaker;
import io.herald.endpoint.DeliveryPolicy;
import java.time.Duration;

/**
 * How the dispatcher paces itself.
 *
 * @param lease             how long a claimed delivery is held before another node may take it;
 *                          longer than the longest endpoint timeout
 * @param pollInterval      how often due retries are claimed; zero disables the poller (tests
 *                          call {@link Dispatcher#runDueOnce()})
 * @param maxInMemory       deliveries held by this node at once, running or waiting for their
 *                          endpoint's turn
 * @param perEndpoint       attempts in flight at once to one endpoint on this node, unless the
 *                          endpoint sets its own {@code maxInFlight}; 1 to 64
 * @param timeout           how long a receiver has to answer
 * @param shutdownGrace     how long shutdown waits for attempts in flight
 * @param circuitBreaker    when an endpoint's circuit opens and when it is disabled, for endpoints
 *                          that do not say (complete: both members set)
 */
public record DispatcherSettings(Duration lease, Duration pollInterval, int maxInMemory, int perEndpoint,
                                 Duration timeout, Duration shutdownGrace, CircuitBreaker circuitBreaker) {
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(90);
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(500);
    public static final int DEFAULT_MAX_IN_MEMORY = 4_096;
    public static final int DEFAULT_PER_ENDPOINT = 16;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(20);
    public static final Duration MIN_TIMEOUT = DeliveryPolicy.MIN_TIMEOUT;
    public static final Duration MAX_ENDPOINT_TIMEOUT = DeliveryPolicy.MAX_TIMEOUT;
    /** A lease must outlast the attempt by this much, or the attempt is not started. */
    public static final Duration LEASE_MARGIN = Duration.ofSeconds(5);

    public static final DispatcherSettings DEFAULTS = new DispatcherSettings(DEFAULT_LEASE, DEFAULT_POLL_INTERVAL,
            DEFAULT_MAX_IN_MEMORY, DEFAULT_PER_ENDPOINT, DEFAULT_TIMEOUT, DEFAULT_SHUTDOWN_GRACE);

    /** With the default circuit breaker. */
    public DispatcherSettings(Duration lease, Duration pollInterval, int maxInMemory, int perEndpoint,
                              Duration timeout, Duration shutdownGrace) {
        this(lease, pollInterval, maxInMemory, perEndpoint, timeout, shutdownGrace, CircuitBreaker.DEFAULT);
    }

    public DispatcherSettings {
        if (timeout.compareTo(MIN_TIMEOUT) < 0 || timeout.compareTo(MAX_ENDPOINT_TIMEOUT) > 0) {
            throw new IllegalArgumentException("timeout must be between " + MIN_TIMEOUT.toSeconds() + " s and "
                    + MAX_ENDPOINT_TIMEOUT.toSeconds() + " s, got " + timeout);
        }
        if (lease.compareTo(leaseCovering(timeout)) < 0) {
            throw new IllegalArgumentException("lease (" + lease + ") must be at least twice timeout + "
                    + LEASE_MARGIN.toSeconds() + " s (" + leaseCovering(timeout) + ")");
        }
        if (pollInterval.isNegative()) {
            throw new IllegalArgumentException("pollInterval must not be negative");
        }
        if (maxInMemory < 1) {
            throw new IllegalArgumentException("maxInMemory must be at least 1");
        }
        if (perEndpoint < DeliveryPolicy.MIN_IN_FLIGHT || perEndpoint > DeliveryPolicy.MAX_IN_FLIGHT) {
            throw new IllegalArgumentException("perEndpoint must be between " + DeliveryPolicy.MIN_IN_FLIGHT + " and "
                    + DeliveryPolicy.MAX_IN_FLIGHT + ", got " + perEndpoint);
        }
        if (circuitBreaker == null || circuitBreaker.failures() == null || circuitBreaker.disableAfter() == null) {
            throw new IllegalArgumentException("circuitBreaker must set both failures and disableAfter");
        }
    }

    /**
     * The shortest lease that covers attempts of {@code timeout}: twice the timeout plus the margin,
     * so that an attempt claimed late in a poll still starts with its timeout plus the margin left.
     */
    public static Duration leaseCovering(Duration timeout) {
        return timeout.plus(LEASE_MARGIN).multipliedBy(2);
    }

    /** The longest timeout an endpoint may ask for: 30 s, or less when the lease cannot cover it. */
    public Duration maxEndpointTimeout() {
        Duration covered = lease.dividedBy(2).minus(LEASE_MARGIN);
        return covered.compareTo(MAX_ENDPOINT_TIMEOUT) < 0 ? covered : MAX_ENDPOINT_TIMEOUT;
    }

    public DispatcherSettings withPollInterval(Duration d) {
        return new DispatcherSettings(lease, d, maxInMemory, perEndpoint, timeout, shutdownGrace, circuitBreaker);
    }

    public DispatcherSettings withLease(Duration d) {
        return new DispatcherSettings(d, pollInterval, maxInMemory, perEndpoint, timeout, shutdownGrace, circuitBreaker);
    }

    public DispatcherSettings withTimeout(Duration d) {
        return new DispatcherSettings(lease, pollInterval, maxInMemory, perEndpoint, d, shutdownGrace, circuitBreaker);
    }

    public DispatcherSettings withCircuitBreaker(CircuitBreaker b) {
        return new DispatcherSettings(lease, pollInterval, maxInMemory, perEndpoint, timeout, shutdownGrace, b);
    }
}
