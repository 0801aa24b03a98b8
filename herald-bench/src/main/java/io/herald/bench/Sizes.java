package io.herald.bench;

import java.util.List;

/**
 * How big and how long each scenario is: the full sizes, or the small ones of {@code --quick}.
 * Times are in seconds, rates in publishes per second.
 */
record Sizes(double ceilingSeconds, int ceilingInFlight,
             int apps, List<Integer> rates, double warmupSeconds, double stepSeconds, double stepDrainSeconds,
             int closedApps, int closedPublishers, double closedWarmupSeconds, double closedSeconds,
             double closedStallSeconds,
             List<Integer> latencyRates, double latencyWarmupSeconds, double latencySeconds,
             List<Integer> fanouts, int fanoutRuns,
             int hangingEndpoints, double hangRatePerEndpoint, int hangTimeoutMs, double isolationWarmupSeconds,
             double isolationSeconds, int isolationFallbackRate,
             long backlog, double drainWindowSeconds,
             int costRate, double costWarmupSeconds, double costSeconds) {
    static final List<Integer> DEFAULT_RATES =
            List.of(250, 500, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 8_000, 10_000, 12_000, 16_000);
    /** The closed loop's publishers: as many as the independent check of issue 11 used. */
    static final int DEFAULT_PUBLISHERS = 64;

    static final Sizes FULL = new Sizes(10, 256,
            100, DEFAULT_RATES, 5, 12, 15,
            100, DEFAULT_PUBLISHERS, 60, 20, 15,
            List.of(200, 1_000), 3, 15,
            List.of(1_000, 10_000), 3,
            100, 2, 5_000, 6, 15, 800,
            1_000_000, 120,
            500, 30, 30);

    // The closed loop keeps its 100 apps with --quick: fewer apps would change what it measures
    // (publishes per app), and creating them takes a few seconds only.
    static final Sizes QUICK = new Sizes(3, 256,
            20, List.of(250, 500, 1_000), 1, 3, 3,
            100, DEFAULT_PUBLISHERS, 3, 8, 10,
            List.of(200, 1_000), 1, 3,
            List.of(100, 1_000), 1,
            10, 2, 2_000, 1, 3, 200,
            3_000, 20,
            200, 5, 5);

    static Sizes of(LoadOptions o) {
        Sizes s = o.quick() ? QUICK : FULL;
        return new Sizes(s.ceilingSeconds, s.ceilingInFlight, s.apps, o.rates() != null ? o.rates() : s.rates,
                s.warmupSeconds, s.stepSeconds, s.stepDrainSeconds,
                s.closedApps, o.publishers() != null ? o.publishers() : s.closedPublishers, s.closedWarmupSeconds,
                s.closedSeconds, s.closedStallSeconds,
                s.latencyRates, s.latencyWarmupSeconds,
                s.latencySeconds, s.fanouts, s.fanoutRuns, s.hangingEndpoints, s.hangRatePerEndpoint, s.hangTimeoutMs,
                s.isolationWarmupSeconds, s.isolationSeconds, s.isolationFallbackRate,
                o.backlog() != null ? o.backlog() : s.backlog, s.drainWindowSeconds,
                o.costRate() != null ? o.costRate() : s.costRate, s.costWarmupSeconds, s.costSeconds);
    }
}
