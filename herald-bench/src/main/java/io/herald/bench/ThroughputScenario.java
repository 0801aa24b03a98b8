package io.herald.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Throughput: 100 apps with one endpoint each, publishes offered open loop at rising rates, one
 * step after another, until a step is not sustained (see {@link Step}). Between steps the backlog
 * is given a moment to drain, so each step starts clean.
 */
final class ThroughputScenario {
    static final int TARGET_RATE = 5_000;
    static final double TARGET_CEILING_SHARE = 0.5;

    private ThroughputScenario() {}

    /** Unanswered publishes allowed before due ones are skipped: a second of the rate, at least 256. */
    static int maxInFlight(double rate) {
        return (int) Math.max(256, rate);
    }

    static void run(RunContext ctx, RunContext.Jar jar, Outcome out) {
        Sizes s = ctx.sizes;
        Receiver rx = ctx.receiver;
        try (RunContext.Session h = ctx.start("throughput", jar)) {
            long t0 = System.nanoTime();
            List<String> apps = h.api.appsWithOneEndpoint("tp", s.apps(), i -> rx.url("/t/" + i), null);
            out.put("apps", apps.size()).put("setupSeconds", (System.nanoTime() - t0) / 1e9);
            Publisher pub = new Publisher(ctx.client, h.api, apps);
            if (s.warmupSeconds() > 0) {
                int warm = s.rates().getFirst();
                OpenLoop.run(warm, s.warmupSeconds(), pub::inFlight, maxInFlight(warm), pub);
                drain(pub, rx, s.stepDrainSeconds());
            }
            List<Step> steps = new ArrayList<>();
            for (int rate : s.rates()) {
                Usage u0 = h.usage(pub, rx);
                long p0 = pub.published();
                long f0 = pub.failed();
                long d0 = rx.ok();
                OpenLoop.Stats st = OpenLoop.run(rate, s.stepSeconds(), pub::inFlight, maxInFlight(rate), pub);
                long p1 = pub.published();
                long d1 = rx.ok();
                Usage u1 = h.usage(pub, rx);
                Step step = new Step(rate, st.seconds(), p1 - p0, pub.failed() - f0, st.skipped(), d1 - d0, p0 - d0, p1 - d1,
                        Cost.between(u0, u1));
                steps.add(step);
                System.err.printf("bench: throughput %s: offered %,d/s, published %,.0f/s, delivered %,.0f/s, backlog %,d%s%n",
                        jar.label(), rate, step.publishedRate(), step.deliveredRate(), step.backlogEnd(),
                        step.sustained() ? "" : " - not sustained");
                if (!step.sustained()) {
                    break;
                }
                drain(pub, rx, s.stepDrainSeconds());
            }
            Optional<Integer> sustained = Step.highestSustained(steps);
            double peak = Step.peakDelivered(steps);
            ctx.sustained.put(jar.label(), sustained.orElse(0));
            Double ceiling = ctx.ceiling;
            double share = sustained.isPresent() && ceiling != null ? sustained.get() / ceiling : Double.NaN;
            out.put("highestSustainedRate", sustained.orElse(null)).put("peakDeliveredRate", peak)
                    .put("ceilingShare", share).put("publishFailures", pub.failures())
                    .put("stepSeconds", s.stepSeconds()).put("steps", steps.stream().map(Step::toMap).toList());
            out.row("throughput", "highest sustained delivered/s", sustained.map(Report::count).orElse("none"),
                    "≥ " + Report.count(TARGET_RATE));
            out.row("throughput", "sustained / ceiling", Report.percent(share), "≥ " + Report.percent(TARGET_CEILING_SHARE));
            out.row("throughput", "peak delivered/s (any step)", Report.count(peak), "");
            out.row("throughput", "steps (offered/s, + sustained, - not)", Step.line(steps), "");
            Step.highestSustainedStep(steps).ifPresent(st -> {
                // What "sustained" allows: up to 5 % short, and publishes skipped for the in-flight cap.
                out.row("throughput", "sustained step: published/s, delivered/s, skipped",
                        Report.count(st.publishedRate()) + ", " + Report.count(st.deliveredRate()) + ", "
                                + Report.count(st.skipped()), "");
                st.cost().rows(out, "throughput", "sustained step");
            });
            if (pub.failed() > 0) {
                out.row("throughput", "publishes failed (by status, 0 = no answer)", pub.failures().toString(), "");
            }
        }
    }

    /** Waits until every publish is answered and delivered, at most {@code seconds}. */
    static boolean drain(Publisher pub, Receiver rx, double seconds) {
        return Pause.until(() -> pub.inFlight() == 0 && rx.ok() >= pub.published(), seconds, 50);
    }
}
