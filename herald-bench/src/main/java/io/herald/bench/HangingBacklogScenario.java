package io.herald.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Isolation from endpoints hanging with large backlogs (issue 12's fault probe: 5 of 6 endpoints
 * hanging, one healthy): one healthy app published to at {@value #HEALTHY_RATE}/s, in three
 * variants, each on a fresh Herald after a warm-up of the healthy traffic alone:
 * <ul>
 *   <li><em>alone</em>: the baseline;</li>
 *   <li><em>hanging</em>: beside {@value #HANGING} apps whose endpoint never answers (on the second
 *       receiver, {@code /hang/…}; Herald's per-endpoint {@code timeoutMs} of {@value #TIMEOUT_MS}
 *       ends each attempt). When the healthy app's tracked window starts, each hanging app gets a
 *       backlog burst (1,000 messages with {@code --quick}, 5,000 without), published as fast as
 *       eight callers can, and then {@value #HANG_RATE_PER_ENDPOINT} messages/s each until the
 *       window ends;</li>
 *   <li><em>publishes</em>: the same publishes to {@value #HANGING} apps without endpoints, so that
 *       no delivery follows: what the burst's publishing alone costs the healthy endpoint on this
 *       machine, to tell it apart from what the hanging endpoints cost.</li>
 * </ul>
 *
 * <p>Reported: the healthy endpoint's delivered/s and p50/p99 against the baseline with
 * {@link IsolationCheck}'s verdict (issue 12's criterion), and against <em>publishes</em> (same
 * load, no hanging endpoint); its latency per second of the window ({@link Timeline}) and from
 * when it stayed within the verdict's p99 limit; requests the hanging receiver got against the
 * messages published to it; Herald's CPU per healthy delivery against the baseline's (the
 * backlog's publishes count in it).
 *
 * <p>The timeout is set per endpoint rather than with {@code HERALD_ATTEMPT_TIMEOUT_SECONDS}, so
 * the healthy endpoint keeps the server default; 3 s keeps the scenario short (the circuit opens
 * on the first timeouts, about 3 s after the burst starts).
 */
final class HangingBacklogScenario {
    static final String NAME = "isolation-backlog";
    static final int HANGING = 5;
    static final int HEALTHY_RATE = 100;
    static final int TIMEOUT_MS = 3_000;
    static final double HANG_RATE_PER_ENDPOINT = 5;
    static final double BUCKET_SECONDS = 1;
    /** How long to wait for healthy messages after the window: long enough to see a stall of a minute. */
    static final double SETTLE_SECONDS = 75;
    static final List<String> VARIANTS = List.of("alone", "publishes", "hanging");

    private HangingBacklogScenario() {}

    /** The hanging endpoints' timeoutMs: {@code --hang-timeout-ms}, else {@link #TIMEOUT_MS}. */
    static int timeoutMs(LoadOptions o) {
        return o.hangTimeoutMs() != null ? o.hangTimeoutMs() : TIMEOUT_MS;
    }

    static int backlogPerEndpoint(boolean quick) {
        return quick ? 1_000 : 5_000;
    }

    static double warmupSeconds(boolean quick) {
        return quick ? 3 : 6;
    }

    static double windowSeconds(boolean quick) {
        return quick ? 20 : 45;
    }

    static void run(RunContext ctx, RunContext.Jar jar, Outcome out) {
        boolean quick = ctx.options.quick();
        out.put("healthyRate", HEALTHY_RATE).put("hangingEndpoints", HANGING).put("hangTimeoutMs", timeoutMs(ctx.options))
                .put("backlogPerEndpoint", backlogPerEndpoint(quick)).put("hangRatePerEndpoint", HANG_RATE_PER_ENDPOINT)
                .put("warmupSeconds", warmupSeconds(quick)).put("windowSeconds", windowSeconds(quick));
        Map<String, Variant> results = new LinkedHashMap<>();
        for (String v : VARIANTS) {
            ctx.receiver.reset();
            ctx.otherReceiver.reset();
            Variant r = variant(ctx, jar, v);
            results.put(v, r);
            out.put(v, r.toMap());
            System.err.printf("bench: %s %s %s: delivered %,.0f/s, %s ms (p50/p99/max), %d hanging requests%n", NAME,
                    jar.label(), v, r.deliveredRate, r.latency.brief(), r.hung);
        }
        Variant alone = results.get("alone");
        Variant hanging = results.get("hanging");
        Variant publishes = results.get("publishes");
        IsolationCheck check = IsolationCheck.ISSUE_12;
        IsolationCheck.Verdict verdict = check.judge(HEALTHY_RATE, alone.deliveredRate, hanging.deliveredRate, alone.latency.p99Ms(),
                hanging.latency.p99Ms(), hanging.latency.missing() + alone.latency.missing(), hanging.failed + alone.failed);
        IsolationCheck.Verdict sameLoad = check.judge(HEALTHY_RATE, publishes.deliveredRate, hanging.deliveredRate,
                publishes.latency.p99Ms(), hanging.latency.p99Ms(), hanging.latency.missing() + publishes.latency.missing(),
                hanging.failed + publishes.failed);
        double normalFrom = Timeline.normalFrom(hanging.timeline, verdict.p99LimitMs());
        double publishesNormalFrom = Timeline.normalFrom(publishes.timeline, verdict.p99LimitMs());
        double cpuRatio = hanging.cpuMsPerDelivery / alone.cpuMsPerDelivery;
        out.put("verdict", verdict.word()).put("drop", verdict.drop())
                .put("p99LimitMs", verdict.p99LimitMs()).put("normalFromSeconds", normalFrom)
                .put("verdictAgainstPublishes", sameLoad.word()).put("publishesNormalFromSeconds", publishesNormalFrom)
                .put("cpuPerHealthyDeliveryRatio", cpuRatio);

        String label = NAME;
        out.row(label, "healthy offered/s; hanging endpoints × backlog (then /s), timeout",
                HEALTHY_RATE + "; " + HANGING + " × " + Report.count(backlogPerEndpoint(quick)) + " (then "
                        + Report.fixed(HANG_RATE_PER_ENDPOINT, 0) + "/s), " + timeoutMs(ctx.options) + " ms", "");
        out.row(label, "baseline (alone): delivered/s, p50 / p99 / max ms",
                Report.count(alone.deliveredRate) + ", " + alone.latency.brief(), "");
        out.row(label, "beside hanging: delivered/s (drop), p50 / p99 / max ms",
                Report.count(hanging.deliveredRate) + " (" + Report.percent(verdict.drop()) + "), " + hanging.latency.brief(), "");
        out.row(label, "verdict", verdict.word(), check.target());
        out.row(label, "same publishes, no endpoints: delivered/s, p50 / p99 / max ms",
                Report.count(publishes.deliveredRate) + ", " + publishes.latency.brief(), "");
        out.row(label, "verdict against the same publishes without endpoints", sameLoad.word(), "");
        // The limit goes in the value, not the figure's name: with several jars each has its own.
        out.row(label, "healthy p99 within the limit from (s after the burst): hanging / publishes (limit ms)",
                since(normalFrom) + " / " + since(publishesNormalFrom) + " (" + Report.ms(verdict.p99LimitMs()) + ")", "0");
        out.row(label, "worst second p99 ms (at s): hanging / publishes", worst(hanging.timeline) + " / "
                + worst(publishes.timeline), "");
        out.row(label, "p99 ms per second, first 10 s: hanging", firstSeconds(hanging.timeline, 10), "");
        out.row(label, "p99 ms per second, first 10 s: publishes", firstSeconds(publishes.timeline, 10), "");
        out.row(label, "hanging requests received (published to them; burst s)",
                Report.count(hanging.hung) + " (" + Report.count(hanging.hangPublished) + "; "
                        + Report.fixed(hanging.burstSeconds, 1) + ")", "");
        out.row(label, "Herald CPU ms per healthy delivery: alone / hanging (ratio)",
                Report.fixed(alone.cpuMsPerDelivery, 3) + " / " + Report.fixed(hanging.cpuMsPerDelivery, 3)
                        + " (" + Report.fixed(cpuRatio, 2) + "x)", "");
    }

    private static String since(double seconds) {
        return Double.isNaN(seconds) ? "never" : Report.fixed(seconds, 0);
    }

    /** The p99 of the first {@code n} buckets, space-separated ("-" for an empty one). */
    static String firstSeconds(List<Timeline.Bucket> timeline, int n) {
        StringBuilder sb = new StringBuilder();
        for (Timeline.Bucket b : timeline.subList(0, Math.min(n, timeline.size()))) {
            sb.append(sb.isEmpty() ? "" : " ").append(b.count() == 0 ? "-" : Report.count(b.p99Ms()));
        }
        return sb.toString();
    }

    /** "p99 (at s)" of the bucket with the highest p99, or of one with a message missing. */
    static String worst(List<Timeline.Bucket> timeline) {
        Timeline.Bucket w = null;
        for (Timeline.Bucket b : timeline) {
            if (b.missing() > 0) {
                return b.missing() + " missing (at " + Report.fixed(b.fromSeconds(), 0) + ")";
            }
            if (b.count() > 0 && (w == null || b.p99Ms() > w.p99Ms())) {
                w = b;
            }
        }
        return w == null ? "n/a" : Report.ms(w.p99Ms()) + " (at " + Report.fixed(w.fromSeconds(), 0) + ")";
    }

    private record Variant(double deliveredRate, Latency latency, List<Timeline.Bucket> timeline, long failed, long skipped,
                           long hung, long hangPublished, long hangFailed, double burstSeconds, double cpuSeconds,
                           long deliveredInWindow, double cpuMsPerDelivery) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("healthyDeliveredRate", Report.round(deliveredRate, 1));
            m.put("healthyLatency", latency.toMap());
            m.put("healthyPublishFailed", failed);
            m.put("healthySkipped", skipped);
            m.put("hangingRequestsReceived", hung);
            m.put("hangingPublished", hangPublished);
            m.put("hangingPublishFailed", hangFailed);
            m.put("burstSeconds", Report.round(burstSeconds, 2));
            m.put("heraldCpuSecondsInWindow", Report.round(cpuSeconds, 2));
            m.put("healthyDeliveredInWindow", deliveredInWindow);
            m.put("heraldCpuMsPerHealthyDelivery", Report.round(cpuMsPerDelivery, 4));
            m.put("timeline", timeline.stream().map(Timeline.Bucket::toMap).toList());
            return m;
        }
    }

    private static Variant variant(RunContext ctx, RunContext.Jar jar, String variant) {
        Receiver rx = ctx.receiver;
        Receiver hangAt = ctx.otherReceiver;
        boolean quick = ctx.options.quick();
        try (RunContext.Session h = ctx.start(NAME + "-" + variant, jar)) {
            List<String> healthy = h.api.appsWithOneEndpoint("solo", 1, i -> rx.url("/solo"), null);
            List<String> hanging = switch (variant) {
                case "hanging" ->
                        h.api.appsWithOneEndpoint("hang", HANGING, i -> hangAt.url("/hang/" + i), "\"timeoutMs\":" + timeoutMs(ctx.options));
                case "publishes" -> ctx.client.parallel(HANGING, i -> {
                    h.api.createApp("quiet-" + i);
                    return "quiet-" + i;
                });
                default -> List.of();
            };
            Publisher pub = new Publisher(ctx.client, h.api, healthy);
            Publisher hang = hanging.isEmpty() ? null : new Publisher(ctx.client, h.api, hanging);
            double window = windowSeconds(quick);
            int max = ThroughputScenario.maxInFlight(HEALTHY_RATE);
            OpenLoop.run(HEALTHY_RATE, warmupSeconds(quick), pub::inFlight, max, pub);

            rx.recording(true);
            pub.tracking(true);
            long f0 = pub.failed();
            long d0 = rx.ok();
            double cpu0 = h.herald.cpuSeconds();
            long windowStart = System.nanoTime();
            double[] burstSeconds = {Double.NaN};
            Thread hangLoad = hang == null ? null : Thread.ofPlatform().name("bench-hang-backlog").start(() -> {
                int burst = backlogPerEndpoint(quick) * HANGING;
                ctx.client.parallel(burst, i -> {
                    hang.sendAndWait(i);
                    return null;
                });
                double took = (System.nanoTime() - windowStart) / 1e9;
                burstSeconds[0] = took;
                double rest = window - took;
                if (rest > 0.5) {
                    double r = HANG_RATE_PER_ENDPOINT * HANGING;
                    OpenLoop.run(r, rest, hang::inFlight, ThroughputScenario.maxInFlight(r), hang);
                }
            });
            OpenLoop.Stats st = OpenLoop.run(HEALTHY_RATE, window, pub::inFlight, max, pub);
            double cpu1 = h.herald.cpuSeconds();
            long d1 = rx.ok();
            pub.tracking(false);
            Pause.join(hangLoad);
            Map<String, Long> tracked = pub.awaitTracked(rx, SETTLE_SECONDS);
            rx.recording(false);
            long delivered = d1 - d0;
            double cpu = cpu1 - cpu0;
            return new Variant(IsolationScenario.deliveredRate(tracked, rx, windowStart), Latency.ofReceipts(tracked, rx),
                    Timeline.of(tracked, rx, windowStart, BUCKET_SECONDS), pub.failed() - f0, st.skipped(), hangAt.hung(),
                    hang == null ? 0 : hang.published(), hang == null ? 0 : hang.failed(), burstSeconds[0], cpu, delivered,
                    delivered == 0 ? Double.NaN : cpu * 1000 / delivered);
        }
    }
}
