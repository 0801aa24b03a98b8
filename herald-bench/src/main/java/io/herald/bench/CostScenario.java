package io.herald.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cost: what one message costs Herald at a fixed rate that it sustains, once warm. 100 apps with one
 * endpoint each; publishes at the cost rate for a warm-up (the JIT compiles the hot path), then for
 * a measured window, after which every message published in the window is let arrive. Herald's CPU
 * time (user and system) and context switches from the window's start to the last arrival, per
 * message published in the window, and per group of threads, from {@code /proc} (see
 * {@link ThreadTimes}). Background work (pollers, GC, the JIT) counts too: it is part of what the
 * rate costs. With {@code --jfr} the window is also recorded on its own.
 */
final class CostScenario {
    /** Issue 11's aim: a quarter of a millisecond of Herald's CPU per delivered message. */
    static final double TARGET_CPU_MS = 0.25;
    /** Thread groups listed in the table; the results file has them all. */
    private static final int GROUPS_SHOWN = 6;

    private CostScenario() {}

    static void run(RunContext ctx, RunContext.Jar jar, Outcome out) {
        Sizes s = ctx.sizes;
        Receiver rx = ctx.receiver;
        int rate = s.costRate();
        try (RunContext.Session h = ctx.start("cost", jar)) {
            List<String> apps = h.api.appsWithOneEndpoint("cost", s.apps(), i -> rx.url("/c/" + i), null);
            Publisher pub = new Publisher(ctx.client, h.api, apps);
            int maxInFlight = ThroughputScenario.maxInFlight(rate);
            OpenLoop.run(rate, s.costWarmupSeconds(), pub::inFlight, maxInFlight, pub);
            ThroughputScenario.drain(pub, rx, s.stepDrainSeconds());

            Path jfr = ctx.options.jfr() ? ctx.runDir.resolve("herald-" + h.name() + "-window.jfr") : null;
            if (jfr != null) {
                h.herald.jcmd("JFR.start name=window settings=profile method-profiling=max");
            }
            PerfCounts perf = null;
            String perfError = null;
            if (ctx.options.perf()) {
                try {
                    perf = PerfCounts.start(h.herald.pid(), ctx.runDir.resolve("herald-" + h.name() + "-perf.csv"));
                } catch (IllegalStateException e) {
                    perfError = e.getMessage();
                }
            }
            long p0 = pub.published();
            long d0 = rx.ok();
            double harness0 = LoadRun.harnessCpuSeconds();
            long t0 = System.nanoTime();
            ThreadTimes before = ThreadTimes.read(h.herald.pid());
            OpenLoop.Stats st = OpenLoop.run(rate, s.costSeconds(), pub::inFlight, maxInFlight, pub);
            boolean drained = ThroughputScenario.drain(pub, rx, s.stepDrainSeconds());
            ThreadTimes after = ThreadTimes.read(h.herald.pid());
            Map<String, Long> counts = perf == null ? Map.of() : perf.stop();
            double wall = (System.nanoTime() - t0) / 1e9;
            double harness = LoadRun.harnessCpuSeconds() - harness0;
            if (jfr != null) {
                h.herald.jcmd("JFR.stop name=window filename=" + jfr.toAbsolutePath());
                ctx.profile(h.name() + "-window", jfr);
            }
            long messages = pub.published() - p0;
            long delivered = rx.ok() - d0;
            out.put("rate", rate).put("warmupSeconds", s.costWarmupSeconds()).put("windowSeconds", s.costSeconds())
                    .put("published", messages).put("delivered", delivered).put("skipped", st.skipped())
                    .put("failed", pub.failed()).put("drained", drained).put("wallSeconds", wall)
                    .put("harnessCpuMsPerMessage", 1e3 * harness / Math.max(1, messages));
            String target = "≤ " + Report.fixed(TARGET_CPU_MS, 2);
            if (before == null || after == null) {
                out.put("heraldCpuMsPerMessage", null);
                out.row("cost", "Herald CPU ms per message", "n/a (no /proc)", target);
                return;
            }
            double user = 1e3 * (after.userSeconds() - before.userSeconds()) / Math.max(1, messages);
            double system = 1e3 * (after.systemSeconds() - before.systemSeconds()) / Math.max(1, messages);
            List<ThreadTimes.Group> groups = after.since(before);
            long voluntary = groups.stream().mapToLong(ThreadTimes.Group::voluntary).sum();
            long involuntary = groups.stream().mapToLong(ThreadTimes.Group::involuntary).sum();
            double jit = 1e3 * groups.stream().filter(g -> g.name().contains("CompilerThre"))
                    .mapToDouble(ThreadTimes.Group::cpuSeconds).sum() / Math.max(1, messages);
            out.put("heraldCpuMsPerMessage", user + system).put("userMsPerMessage", user).put("systemMsPerMessage", system)
                    .put("jitMsPerMessage", jit)
                    .put("voluntarySwitchesPerMessage", (double) voluntary / Math.max(1, messages))
                    .put("involuntarySwitchesPerMessage", (double) involuntary / Math.max(1, messages))
                    .put("threads", groups.stream().map(g -> perMessage(g, messages)).toList());
            out.row("cost", "messages in the window (rate/s, drained)", Report.count(messages) + " (" + Report.count(rate)
                    + (drained && st.skipped() == 0 ? ", yes)" : ", NO)"), "");
            out.row("cost", "Herald CPU ms per message (user + sys)",
                    Report.fixed(user + system, 3) + " (" + Report.fixed(user, 3) + " + " + Report.fixed(system, 3) + ")", target);
            out.row("cost", "  of which the JIT compiler's; the rest", Report.fixed(jit, 3) + "; " + Report.fixed(user + system - jit, 3), "");
            out.row("cost", "context switches per message (vol. + invol.)",
                    Report.fixed((double) (voluntary + involuntary) / Math.max(1, messages), 1) + " ("
                            + Report.fixed((double) voluntary / Math.max(1, messages), 1) + " + "
                            + Report.fixed((double) involuntary / Math.max(1, messages), 1) + ")", "");
            out.row("cost", "harness CPU ms per message", Report.fixed(1e3 * harness / Math.max(1, messages), 3), "");
            if (perfError != null) {
                out.put("perfError", perfError);
                out.row("cost", "system calls per message", "n/a (" + perfError + ")", "");
            } else if (!counts.isEmpty()) {
                Map<String, Object> perMessage = new LinkedHashMap<>();
                counts.forEach((k, v) -> perMessage.put(k, Report.round((double) v / Math.max(1, messages), 2)));
                out.put("perfPerMessage", perMessage);
                StringBuilder line = new StringBuilder();
                counts.forEach((k, v) -> {
                    if (!k.equals("cpu-migrations") && v > 0) {
                        line.append(line.isEmpty() ? "" : ", ").append(k).append(' ').append(Report.fixed((double) v / Math.max(1, messages), 1));
                    }
                });
                out.row("cost", "perf per message", line.toString(), "");
            }
            for (ThreadTimes.Group g : groups.subList(0, Math.min(GROUPS_SHOWN, groups.size()))) {
                out.row("cost", "  " + g.name() + ": CPU ms, switches per message",
                        Report.fixed(1e3 * g.cpuSeconds() / Math.max(1, messages), 3) + ", "
                                + Report.fixed((double) (g.voluntary() + g.involuntary()) / Math.max(1, messages), 2), "");
            }
        }
    }

    private static Map<String, Object> perMessage(ThreadTimes.Group g, long messages) {
        Map<String, Object> m = new LinkedHashMap<>();
        double n = Math.max(1, messages);
        m.put("threads", g.name());
        m.put("userMs", Report.round(1e3 * g.userSeconds() / n, 4));
        m.put("systemMs", Report.round(1e3 * g.systemSeconds() / n, 4));
        m.put("voluntarySwitches", Report.round(g.voluntary() / n, 3));
        m.put("involuntarySwitches", Report.round(g.involuntary() / n, 3));
        return m;
    }
}
