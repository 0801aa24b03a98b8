package io.herald.bench;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Closed loop: what an application with many concurrent publishers gets. Each of N publishers
 * publishes its next message as soon as the last one is answered, round-robin over 100 apps with
 * one endpoint each at the receiver. After a warm-up comes the measured window: publishes answered
 * per second, deliveries per second at the receiver, the latency of the publish call and from
 * publish to receipt, and what the window cost per message ({@link Cost}). Then the publishers
 * stop and every message accepted in the window must arrive: the drain waits as long as they keep
 * arriving. Those that never do are lost; ids received more than once are duplicates.
 *
 * <p>Unlike the throughput scenario nothing here is offered at a rate, skipped or allowed to fall
 * 5 % short: the rate is what N publishers get, as in a user's own load test.
 */
final class ClosedLoopScenario {
    /** The drain's limit, however steadily messages are still arriving. */
    static final double MAX_DRAIN_SECONDS = 600;
    /** How long the publishers may take to stop: each waits for its last answer (the client gives up at 60 s). */
    static final double STOP_SECONDS = 70;

    private ClosedLoopScenario() {}

    static void run(RunContext ctx, RunContext.Jar jar, Outcome out) {
        Sizes s = ctx.sizes;
        Receiver rx = ctx.receiver;
        try (RunContext.Session h = ctx.start("closed", jar)) {
            long t0 = System.nanoTime();
            List<String> apps = h.api.appsWithOneEndpoint("cl", s.closedApps(), i -> rx.url("/c/" + i), null);
            out.put("apps", apps.size()).put("publishers", s.closedPublishers())
                    .put("setupSeconds", (System.nanoTime() - t0) / 1e9).put("warmupSeconds", s.closedWarmupSeconds());
            Publisher pub = new Publisher(ctx.client, h.api, apps);
            Usage u0;
            Usage u1;
            long p0, p1, f0, f1, d0, d1, w0, w1;
            try (ClosedLoop loop = ClosedLoop.start(s.closedPublishers(), pub::sendAndWait)) {
                Pause.seconds(s.closedWarmupSeconds());
                rx.recording(true);
                u0 = h.usage(pub, rx);
                p0 = pub.published();
                f0 = pub.failed();
                d0 = rx.ok();
                w0 = System.nanoTime();
                pub.tracking(true);
                Pause.seconds(s.closedSeconds());
                // Messages sent from here on are not tracked; those still unanswered are, and must arrive.
                pub.tracking(false);
                w1 = System.nanoTime();
                p1 = pub.published();
                f1 = pub.failed();
                d1 = rx.ok();
                u1 = h.usage(pub, rx);
            }
            pub.awaitAnswers(STOP_SECONDS);
            Map<String, Long> tracked = pub.tracked();
            double drained = drain(rx, tracked.keySet(), s.closedStallSeconds());
            rx.recording(false);

            double seconds = (w1 - w0) / 1e9;
            double publishRate = (p1 - p0) / seconds;
            double deliveredRate = (d1 - d0) / seconds;
            long backlogGrowth = (p1 - d1) - (p0 - d0);
            Arrivals arrivals = Arrivals.at(rx, tracked.keySet());
            Latency call = Latency.of(pub.publishMicros(), 0);
            Latency receipt = Latency.ofReceipts(tracked, rx);
            Cost cost = Cost.between(u0, u1);
            out.put("windowSeconds", seconds).put("publishedRate", publishRate).put("deliveredRate", deliveredRate)
                    .put("published", p1 - p0).put("publishFailed", f1 - f0).put("delivered", d1 - d0)
                    .put("backlogGrowth", backlogGrowth).put("drainSeconds", drained)
                    .put("arrivals", arrivals.toMap()).put("publishCall", call.toMap())
                    .put("publishToReceipt", receipt.toMap()).put("cost", cost.toMap())
                    .put("publishFailures", pub.failures());
            out.row("closed", "publishers, apps", s.closedPublishers() + ", " + apps.size(), "");
            out.row("closed", "publishes answered/s", Report.count(publishRate), "≥ " + Report.count(ThroughputScenario.TARGET_RATE));
            out.row("closed", "delivered/s at the receiver", Report.count(deliveredRate), "≥ " + Report.count(ThroughputScenario.TARGET_RATE));
            out.row("closed", "backlog growth in the window", Report.count(backlogGrowth), "");
            out.row("closed", "publish call p50 / p99 / max ms", call.brief(), "");
            out.row("closed", "publish→receipt p50 / p99 / max ms", receipt.brief(), "");
            out.row("closed", "lost / duplicated, of published in the window",
                    Report.count(arrivals.lost()) + " / " + Report.count(arrivals.duplicated()) + ", of "
                            + Report.count(arrivals.expected()), "0 / 0");
            out.row("closed", "drain after the window, s", Report.fixed(drained, 1), "");
            if (f1 > f0) {
                out.row("closed", "publishes failed (by status, 0 = no answer)", pub.failures().toString(), "0");
            }
            cost.rows(out, "closed", "window");
            System.err.printf("bench: closed %s: %d publishers, published %,.0f/s, delivered %,.0f/s, publish p99 %s ms,"
                            + " lost %d, duplicated %d%n", jar.label(), s.closedPublishers(), publishRate, deliveredRate,
                    Report.ms(call.p99Ms()), arrivals.lost(), arrivals.duplicated());
        }
    }

    /**
     * Waits until every id has been received, or none more for {@code stallSeconds}, or
     * {@link #MAX_DRAIN_SECONDS}; returns the seconds waited. A slow Herald is waited for as long
     * as it makes progress, so that "lost" means stuck, not late.
     */
    static double drain(Receiver rx, Collection<String> ids, double stallSeconds) {
        long start = System.nanoTime();
        long progressAt = start;
        long seen = -1;
        while (true) {
            long received = rx.received(ids);
            long now = System.nanoTime();
            if (received >= ids.size() || now - start > MAX_DRAIN_SECONDS * 1e9) {
                return (now - start) / 1e9;
            }
            if (received > seen) {
                seen = received;
                progressAt = now;
            } else if (now - progressAt > stallSeconds * 1e9) {
                return (now - start) / 1e9;
            }
            Pause.millis(200);
        }
    }
}
