package io.herald.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Isolation: healthy traffic at a fixed rate, first alone, then beside endpoints that never answer
 * (they hang until their {@code timeoutMs}), which keep getting messages too so they stay
 * saturated. The hanging endpoints sit on another origin (the second receiver's port) in one
 * variant, and on the healthy endpoints' own origin (same host:port, a {@code /hang} path) in the
 * other. Each variant gets a fresh Herald. Reported: healthy delivered/s and latency per variant.
 */
final class IsolationScenario {
    static final double TARGET_DROP = 0.10;
    static final List<String> VARIANTS = List.of("alone", "other-origin", "same-origin");

    private IsolationScenario() {}

    /** The healthy rate: given, else 80 % of this jar's sustained throughput, else the fallback. */
    static int rate(Integer given, Integer sustained, int fallback) {
        if (given != null) {
            return given;
        }
        if (sustained != null && sustained > 0) {
            return Math.max(1, (int) Math.round(sustained * 0.8));
        }
        return fallback;
    }

    static void run(RunContext ctx, RunContext.Jar jar, Outcome out) {
        Sizes s = ctx.sizes;
        Integer sustained = ctx.sustained.get(jar.label());
        int rate = rate(ctx.options.isolationRate(), sustained, s.isolationFallbackRate());
        String source = ctx.options.isolationRate() != null ? "given"
                : sustained != null && sustained > 0 ? "80 % of sustained" : "default, no sustained rate measured";
        double hangRate = s.hangRatePerEndpoint() * s.hangingEndpoints();
        out.put("healthyRate", rate).put("rateSource", source).put("hangingEndpoints", s.hangingEndpoints())
                .put("hangRate", hangRate).put("hangTimeoutMs", s.hangTimeoutMs());
        Map<String, Variant> results = new LinkedHashMap<>();
        for (String v : VARIANTS) {
            ctx.receiver.reset();
            ctx.otherReceiver.reset();
            Variant r = variant(ctx, jar, v, rate, hangRate);
            results.put(v, r);
            out.put(v, r.toMap());
            System.err.printf("bench: isolation %s %s: delivered %,.0f/s, %s ms (p50/p99/max)%n", jar.label(), v,
                    r.deliveredRate, r.latency.brief());
        }
        Variant alone = results.get("alone");
        out.row("isolation", "healthy offered/s", Report.count(rate) + " (" + source + ")", "");
        out.row("isolation", "hanging: endpoints, publishes/s, timeout",
                s.hangingEndpoints() + ", " + Report.count(hangRate) + "/s, " + s.hangTimeoutMs() + " ms", "");
        out.row("isolation alone", "healthy delivered/s", Report.count(alone.deliveredRate), "");
        out.row("isolation alone", "healthy p50 / p99 / max ms", alone.latency.brief(), "");
        for (String v : List.of("other-origin", "same-origin")) {
            Variant r = results.get(v);
            double drop = 1 - r.deliveredRate / alone.deliveredRate;
            out.put(v + "Drop", drop);
            String label = "isolation " + v;
            out.row(label, "healthy delivered/s (drop)", Report.count(r.deliveredRate) + " (" + Report.percent(drop) + ")",
                    "drop ≤ " + Report.percent(TARGET_DROP));
            out.row(label, "healthy p50 / p99 / max ms", r.latency.brief(), "");
            out.row(label, "hanging requests received", Report.count(r.hung), "");
            if (r.latency.missing() > 0 || r.failed > 0) {
                out.row(label, "healthy not received / publish failed", r.latency.missing() + " / " + r.failed, "0");
            }
        }
    }

    /**
     * @param deliveredRate the window's healthy messages received, per second from the window's
     *                      start to the last of their receipts: the offered rate when Herald keeps
     *                      up, less when it falls behind. Deliveries of warm-up messages that
     *                      arrive late do not count.
     * @param receiverRate  every healthy receipt during the window, per second of the window
     */
    private record Variant(double deliveredRate, double receiverRate, Latency latency, long hung, long failed,
                           long skipped, long hangPublished, long hangFailed) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("healthyDeliveredRate", Report.round(deliveredRate, 1));
            m.put("healthyReceiptsPerSecondInWindow", Report.round(receiverRate, 1));
            m.put("healthyLatency", latency.toMap());
            m.put("healthyPublishFailed", failed);
            m.put("healthySkipped", skipped);
            m.put("hangingRequestsReceived", hung);
            m.put("hangingPublished", hangPublished);
            m.put("hangingPublishFailed", hangFailed);
            return m;
        }
    }

    /** Tracked messages received, per second from {@code start} to the last first receipt among them. */
    static double deliveredRate(Map<String, Long> tracked, Receiver rx, long start) {
        long received = 0;
        long last = start;
        for (String id : tracked.keySet()) {
            Receiver.Tally t = rx.tally(id);
            if (t != null) {
                received++;
                last = Math.max(last, t.first);
            }
        }
        return last == start ? 0 : received / ((last - start) / 1e9);
    }

    private static Variant variant(RunContext ctx, RunContext.Jar jar, String variant, int rate, double hangRate) {
        Sizes s = ctx.sizes;
        Receiver rx = ctx.receiver;
        Receiver hangAt = variant.equals("other-origin") ? ctx.otherReceiver : rx;
        try (RunContext.Session h = ctx.start("isolation-" + variant, jar)) {
            List<String> healthy = h.api.appsWithOneEndpoint("iso", s.apps(), i -> rx.url("/i/" + i), null);
            List<String> hanging = variant.equals("alone") ? List.of()
                    : h.api.appsWithOneEndpoint("hang", s.hangingEndpoints(), i -> hangAt.url("/hang/" + i),
                    "\"timeoutMs\":" + s.hangTimeoutMs());
            Publisher pub = new Publisher(ctx.client, h.api, healthy);
            Publisher hang = hanging.isEmpty() ? null : new Publisher(ctx.client, h.api, hanging);
            Thread hangLoad = null;
            if (hang != null) {
                double seconds = s.isolationWarmupSeconds() + s.isolationSeconds();
                hangLoad = Thread.ofPlatform().name("bench-hang-load").start(() ->
                        OpenLoop.run(hangRate, seconds, hang::inFlight, ThroughputScenario.maxInFlight(hangRate), hang));
            }
            int max = ThroughputScenario.maxInFlight(rate);
            OpenLoop.run(rate, s.isolationWarmupSeconds(), pub::inFlight, max, pub);
            rx.recording(true);
            pub.tracking(true);
            long f0 = pub.failed();
            long d0 = rx.ok();
            long windowStart = System.nanoTime();
            OpenLoop.Stats st = OpenLoop.run(rate, s.isolationSeconds(), pub::inFlight, max, pub);
            long d1 = rx.ok();
            pub.tracking(false);
            if (hangLoad != null) {
                try {
                    hangLoad.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
            Map<String, Long> tracked = pub.awaitTracked(rx, LatencyScenario.SETTLE_SECONDS);
            rx.recording(false);
            return new Variant(deliveredRate(tracked, rx, windowStart), (d1 - d0) / st.seconds(),
                    Latency.ofReceipts(tracked, rx), hangAt.hung(), pub.failed() - f0,
                    st.skipped(), hang == null ? 0 : hang.published(), hang == null ? 0 : hang.failed());
        }
    }
}
