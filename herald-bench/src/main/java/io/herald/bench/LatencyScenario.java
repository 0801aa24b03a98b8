package io.herald.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Latency: publish-to-receipt at fixed open-loop rates, measured from the time each publish was
 * due (not when it went out, so a stalled sender cannot hide delay), to the receiver's first
 * receipt of that message id. A short untracked warm-up runs first at the same rate.
 */
final class LatencyScenario {
    static final double TARGET_P99_MS = 50;
    static final int TARGET_RATE = 1_000;
    /** How long to wait for the last tracked messages after the step. */
    static final double SETTLE_SECONDS = 10;

    private LatencyScenario() {}

    static void run(RunContext ctx, RunContext.Jar jar, Outcome out) {
        Sizes s = ctx.sizes;
        Receiver rx = ctx.receiver;
        try (RunContext.Session h = ctx.start("latency", jar)) {
            List<String> apps = h.api.appsWithOneEndpoint("lat", s.apps(), i -> rx.url("/l/" + i), null);
            Publisher pub = new Publisher(ctx.client, h.api, apps);
            for (int rate : s.latencyRates()) {
                int max = ThroughputScenario.maxInFlight(rate);
                rx.recording(false);
                OpenLoop.run(rate, s.latencyWarmupSeconds(), pub::inFlight, max, pub);
                ThroughputScenario.drain(pub, rx, SETTLE_SECONDS);
                pub.clearTracked();
                rx.recording(true);
                pub.tracking(true);
                long f0 = pub.failed();
                OpenLoop.Stats st = OpenLoop.run(rate, s.latencySeconds(), pub::inFlight, max, pub);
                pub.tracking(false);
                Map<String, Long> tracked = pub.awaitTracked(rx, SETTLE_SECONDS);
                Latency lat = Latency.ofReceipts(tracked, rx);
                Latency call = Latency.of(pub.publishMicros(), 0);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("offeredRate", rate);
                m.put("seconds", Report.round(st.seconds(), 2));
                m.put("sent", st.sent());
                m.put("skipped", st.skipped());
                m.put("publishFailed", pub.failed() - f0);
                m.put("maxSendLagMs", Report.round(st.maxLagMs(), 2));
                m.put("publishToReceipt", lat.toMap());
                m.put("publishCall", call.toMap());
                out.put("at" + rate, m);
                String label = "latency " + Report.count(rate) + "/s";
                out.row(label, "publish→receipt p50 / p99 / max ms", lat.brief(),
                        rate == TARGET_RATE ? "p99 ≤ " + Report.count(TARGET_P99_MS) : "");
                out.row(label, "publish call p50 / p99 / max ms", call.brief(), "");
                if (lat.missing() > 0 || pub.failed() > f0 || st.skipped() > 0) {
                    out.row(label, "not received / publish failed / skipped", lat.missing() + " / " + (pub.failed() - f0)
                            + " / " + st.skipped(), "0");
                }
                System.err.printf("bench: latency %s at %,d/s: %s ms (p50/p99/max)%n", jar.label(), rate, lat.brief());
                rx.recording(false);
            }
        }
    }
}
