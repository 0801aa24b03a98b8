package io.herald.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Isolation from an endpoint failing hard (issue 12): the isolation scenario's healthy apps at the
 * same rate, first alone (the baseline), then beside {@value #FAILING} apps whose endpoint answers
 * 500 at once, on the healthy endpoints' own host:port (path {@code /fail/…}), each published to
 * at the rate of one healthy app from the first second of the warm-up. After
 * {@code HERALD_CIRCUIT_FAILURES} (10) failures in a row an endpoint's circuit opens and its
 * deliveries are held in the database; one probe goes out 10 s later, then at doubling intervals.
 * Each variant gets a fresh Herald.
 *
 * <p>Reported: healthy delivered/s and p50/p99 against the baseline with {@link IsolationCheck}'s
 * verdict; what the failing endpoints cost: requests their receiver got (in all and in the
 * window) against the messages published to them, the circuit state Herald shows for them at the
 * end, and Herald's CPU per healthy delivery in the window against the baseline's (the failing
 * messages' publishes count in it: they are part of what the failing endpoints cost).
 */
final class FailingScenario {
    static final String NAME = "isolation-failing";
    static final int FAILING = 3;
    static final List<String> VARIANTS = List.of("alone", "failing");
    static final double BUCKET_SECONDS = 1;

    private FailingScenario() {}

    /** Warm-up and window, seconds: long enough for the circuit to open in the warm-up and be probed. */
    static double warmupSeconds(boolean quick) {
        return quick ? 3 : 6;
    }

    static double windowSeconds(boolean quick) {
        return quick ? 15 : 30;
    }

    static void run(RunContext ctx, RunContext.Jar jar, Outcome out) {
        Sizes s = ctx.sizes;
        Integer sustained = ctx.sustained.get(jar.label());
        int rate = IsolationScenario.rate(ctx.options.isolationRate(), sustained, s.isolationFallbackRate());
        double perApp = (double) rate / s.apps();
        double failRate = perApp * FAILING;
        out.put("healthyRate", rate).put("healthyApps", s.apps()).put("failingEndpoints", FAILING)
                .put("failingRate", failRate).put("warmupSeconds", warmupSeconds(ctx.options.quick()))
                .put("windowSeconds", windowSeconds(ctx.options.quick()));
        Map<String, Variant> results = new LinkedHashMap<>();
        for (String v : VARIANTS) {
            ctx.receiver.reset();
            ctx.otherReceiver.reset();
            Variant r = variant(ctx, jar, v.equals("failing"), rate, failRate);
            results.put(v, r);
            out.put(v, r.toMap());
            System.err.printf("bench: %s %s %s: delivered %,.0f/s, %s ms (p50/p99/max), %d requests to failing%n", NAME,
                    jar.label(), v, r.deliveredRate, r.latency.brief(), r.failAttempts);
        }
        Variant alone = results.get("alone");
        Variant failing = results.get("failing");
        IsolationCheck check = IsolationCheck.ISSUE_12;
        IsolationCheck.Verdict verdict = check.judge(rate, alone.deliveredRate, failing.deliveredRate, alone.latency.p99Ms(),
                failing.latency.p99Ms(), failing.latency.missing() + alone.latency.missing(), failing.failed + alone.failed);
        double cpuRatio = failing.cpuMsPerDelivery / alone.cpuMsPerDelivery;
        out.put("verdict", verdict.word()).put("drop", verdict.drop())
                .put("p99LimitMs", verdict.p99LimitMs()).put("cpuPerHealthyDeliveryRatio", cpuRatio);

        String label = NAME;
        out.row(label, "healthy offered/s; failing endpoints × publishes/s each",
                Report.count(rate) + "; " + FAILING + " × " + Report.fixed(perApp, 1), "");
        out.row(label, "baseline (alone): delivered/s, p50 / p99 / max ms",
                Report.count(alone.deliveredRate) + ", " + alone.latency.brief(), "");
        out.row(label, "beside failing: delivered/s (drop), p50 / p99 / max ms",
                Report.count(failing.deliveredRate) + " (" + Report.percent(verdict.drop()) + "), " + failing.latency.brief(), "");
        out.row(label, "verdict", verdict.word(), check.target());
        out.row(label, "worst second p99 ms (at s): alone / failing",
                HangingBacklogScenario.worst(alone.timeline) + " / " + HangingBacklogScenario.worst(failing.timeline), "");
        out.row(label, "requests to failing: all / in window (published to them)",
                Report.count(failing.failAttempts) + " / " + Report.count(failing.failAttemptsInWindow)
                        + " (" + Report.count(failing.failPublished) + ")", "a handful of probes");
        out.row(label, "requests to failing per second from the load's start (warm-up " + Report.fixed(
                warmupSeconds(ctx.options.quick()), 0) + " s)", failing.failPerSecond.stream().map(String::valueOf)
                .collect(java.util.stream.Collectors.joining(" ")), "");
        out.row(label, "failing endpoints' state at the end", String.join(",", failing.states), "open");
        out.row(label, "Herald CPU ms per healthy delivery: alone / failing (ratio)",
                Report.fixed(alone.cpuMsPerDelivery, 3) + " / " + Report.fixed(failing.cpuMsPerDelivery, 3)
                        + " (" + Report.fixed(cpuRatio, 2) + "x)", "");
    }

    /**
     * @param deliveredRate        tracked healthy messages received per second, as in the isolation scenario
     * @param failAttempts         requests the failing endpoints' receiver got, from their creation to the end
     * @param failAttemptsInWindow of those, the ones during the tracked window
     * @param cpuMsPerDelivery     Herald CPU in the window per healthy delivery received in the window
     */
    private record Variant(double deliveredRate, Latency latency, List<Timeline.Bucket> timeline, long failed,
                           long skipped, long failAttempts,
                           long failAttemptsInWindow, long failPublished, List<String> states, double cpuSeconds,
                           long deliveredInWindow, double cpuMsPerDelivery, List<Integer> failPerSecond) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("healthyDeliveredRate", Report.round(deliveredRate, 1));
            m.put("healthyLatency", latency.toMap());
            m.put("healthyPublishFailed", failed);
            m.put("healthySkipped", skipped);
            m.put("failingRequestsReceived", failAttempts);
            m.put("failingRequestsInWindow", failAttemptsInWindow);
            m.put("failingPublished", failPublished);
            m.put("failingStatesAtEnd", states);
            m.put("heraldCpuSecondsInWindow", Report.round(cpuSeconds, 2));
            m.put("healthyDeliveredInWindow", deliveredInWindow);
            m.put("heraldCpuMsPerHealthyDelivery", Report.round(cpuMsPerDelivery, 4));
            m.put("timeline", timeline.stream().map(Timeline.Bucket::toMap).toList());
            m.put("failingRequestsPerSecondFromLoadStart", failPerSecond);
            return m;
        }
    }

    private static Variant variant(RunContext ctx, RunContext.Jar jar, boolean withFailing, int rate, double failRate) {
        Sizes s = ctx.sizes;
        Receiver rx = ctx.receiver;
        boolean quick = ctx.options.quick();
        try (RunContext.Session h = ctx.start(NAME + "-" + (withFailing ? "failing" : "alone"), jar)) {
            List<String> healthy = h.api.appsWithOneEndpoint("iso", s.apps(), i -> rx.url("/i/" + i), null);
            List<String> failApps = new ArrayList<>();
            List<String> failEndpoints = new ArrayList<>();
            if (withFailing) {
                for (int i = 0; i < FAILING; i++) {
                    String app = "fail-" + i;
                    h.api.createApp(app);
                    failApps.add(app);
                    failEndpoints.add(h.api.createEndpoint(app, rx.url("/fail/" + i), null));
                }
            }
            Publisher pub = new Publisher(ctx.client, h.api, healthy);
            Publisher fail = withFailing ? new Publisher(ctx.client, h.api, failApps) : null;
            double warmup = warmupSeconds(quick);
            double window = windowSeconds(quick);
            long loadStart = System.nanoTime();
            Thread failLoad = fail == null ? null : Thread.ofPlatform().name("bench-fail-load").start(() ->
                    OpenLoop.run(failRate, warmup + window, fail::inFlight, ThroughputScenario.maxInFlight(failRate), fail));
            int max = ThroughputScenario.maxInFlight(rate);
            OpenLoop.run(rate, warmup, pub::inFlight, max, pub);
            rx.recording(true);
            pub.tracking(true);
            long f0 = pub.failed();
            long d0 = rx.ok();
            long a0 = rx.failedHard();
            double cpu0 = h.herald.cpuSeconds();
            long windowStart = System.nanoTime();
            OpenLoop.Stats st = OpenLoop.run(rate, window, pub::inFlight, max, pub);
            double cpu1 = h.herald.cpuSeconds();
            long d1 = rx.ok();
            long a1 = rx.failedHard();
            pub.tracking(false);
            Pause.join(failLoad);
            Map<String, Long> tracked = pub.awaitTracked(rx, LatencyScenario.SETTLE_SECONDS);
            rx.recording(false);
            List<String> states = new ArrayList<>();
            for (int i = 0; i < failEndpoints.size(); i++) {
                states.add(h.api.endpointState(failApps.get(i), failEndpoints.get(i)));
            }
            long delivered = d1 - d0;
            double cpu = cpu1 - cpu0;
            return new Variant(IsolationScenario.deliveredRate(tracked, rx, windowStart), Latency.ofReceipts(tracked, rx),
                    Timeline.of(tracked, rx, windowStart, BUCKET_SECONDS), pub.failed() - f0, st.skipped(),
                    rx.failedHard(), a1 - a0, fail == null ? 0 : fail.published(),
                    states, cpu, delivered, delivered == 0 ? Double.NaN : cpu * 1000 / delivered,
                    perSecond(rx.failTimes(), loadStart));
        }
    }

    /** How many of {@code times} fall in each second from {@code start} to the last of them (earlier ones in the first). */
    static List<Integer> perSecond(List<Long> times, long start) {
        List<Integer> counts = new ArrayList<>();
        for (long t : times) {
            int s = (int) Math.max(0, (t - start) / 1_000_000_000L);
            while (counts.size() <= s) {
                counts.add(0);
            }
            counts.set(s, counts.get(s) + 1);
        }
        return counts;
    }
}
