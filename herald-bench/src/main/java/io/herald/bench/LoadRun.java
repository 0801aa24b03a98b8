package io.herald.bench;

import ch.qos.logback.classic.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code herald-bench.jar load}: runs the chosen scenarios, each against a fresh Herald per jar,
 * writes {@code <out>/<UTC stamp>-<store>.json} (after every scenario, so a crash keeps what was
 * measured) and prints the table. Herald's logs (and JFR recordings) go to
 * {@code <out>/<UTC stamp>-<store>/}.
 */
final class LoadRun {
    private LoadRun() {}

    static int main(String[] args) {
        quietLogs();
        LoadOptions o;
        try {
            o = LoadOptions.parse(args);
        } catch (LoadOptions.Invalid e) {
            System.err.println("bench: " + e.getMessage());
            return 2;
        }
        if (o.help()) {
            System.out.print(LoadOptions.USAGE);
            return 0;
        }
        List<RunContext.Jar> jars = new ArrayList<>();
        for (int i = 0; i < o.jars().size(); i++) {
            Path p = o.jars().get(i);
            if (!Files.isRegularFile(p)) {
                System.err.println("bench: no Herald jar at " + p.toAbsolutePath() + " (build it with"
                        + " ./mvnw -B -q -DskipTests package -pl herald-server -am, or pass --jar)");
                return 2;
            }
            boolean isDefault = p.equals(LoadOptions.DEFAULT_JAR);
            jars.add(new RunContext.Jar(String.valueOf((char) ('A' + i)), p, Facts.jar(p, isDefault), o.variations().get(i)));
        }
        Sizes sizes = Sizes.of(o);
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").format(Instant.now().atOffset(ZoneOffset.UTC));
        Path json = o.out().resolve(stamp + "-" + o.store() + ".json");
        Path runDir = o.out().resolve(stamp + "-" + o.store());
        Databases databases = new Databases(o.store(), o.databaseUrl());

        Map<String, Object> results = new LinkedHashMap<>();
        results.put("startedAt", Instant.now().toString());
        results.put("machine", Facts.machine());
        results.put("jdk", Facts.jdk());
        try {
            results.put("store", databases.describe());
        } catch (IllegalStateException e) {
            System.err.println("bench: " + e.getMessage());
            return 2;
        }
        Map<String, Object> jarFacts = new LinkedHashMap<>();
        jars.forEach(j -> jarFacts.put(j.label(), j.facts()));
        results.put("herald", jarFacts);
        results.put("options", o.describe());
        results.put("sizes", sizes);
        results.put("logs", runDir.toString());
        List<Outcome> outcomes = new ArrayList<>();
        List<Map<String, Object>> scenarioMaps = new ArrayList<>();
        results.put("scenarios", scenarioMaps);

        System.err.printf("bench: %s on %s, jars %s; results in %s%n", String.join(",", o.scenarios()), o.store(),
                jars.stream().map(j -> j.label() + "=" + j.path() + describe(j.variation())).toList(), json);
        long started = System.nanoTime();
        try (Receiver rx = new Receiver(); Receiver other = new Receiver(); LoadClient client = new LoadClient()) {
            RunContext ctx = new RunContext(o, sizes, rx, other, client, databases, runDir, Path.of(System.getProperty("java.home")));
            for (String scenario : o.scenarios()) {
                if (scenario.equals("ceiling")) {
                    outcomes.add(measure(ctx, scenario, null, out -> CeilingScenario.run(ctx, out)));
                } else {
                    for (RunContext.Jar jar : jars) {
                        outcomes.add(measure(ctx, scenario, jar, out -> {
                            switch (scenario) {
                                case "throughput" -> ThroughputScenario.run(ctx, jar, out);
                                case "closed" -> ClosedLoopScenario.run(ctx, jar, out);
                                case "cost" -> CostScenario.run(ctx, jar, out);
                                case "latency" -> LatencyScenario.run(ctx, jar, out);
                                case "fanout" -> FanoutScenario.run(ctx, jar, out);
                                case "isolation" -> IsolationScenario.run(ctx, jar, out);
                                case FailingScenario.NAME -> FailingScenario.run(ctx, jar, out);
                                case HangingBacklogScenario.NAME -> HangingBacklogScenario.run(ctx, jar, out);
                                case "backlog" -> BacklogScenario.run(ctx, jar, out);
                                default -> throw new IllegalArgumentException(scenario);
                            }
                        }));
                    }
                }
                scenarioMaps.clear();
                outcomes.forEach(x -> scenarioMaps.add(x.toMap()));
                results.put("durationSeconds", Report.round((System.nanoTime() - started) / 1e9, 1));
                Report.writeJson(json, results);
            }
            results.put("setupRetries", client.setupRetries());
        }
        results.put("finishedAt", Instant.now().toString());
        Report.writeJson(json, results);

        List<String> labels = jars.stream().map(RunContext.Jar::label).toList();
        System.out.println();
        for (RunContext.Jar j : jars) {
            Object commit = j.facts().get("gitCommit");
            System.out.printf("%s = %s%s%s%n", j.label(), j.path(), commit == null ? ""
                    : " (" + commit + (Boolean.TRUE.equals(j.facts().get("gitDirty")) ? ", dirty" : "") + ")",
                    describe(j.variation()));
        }
        System.out.printf("store %s; %s; nproc %s; load at start %s; %s%n%n", o.store(),
                Facts.jdk().get("vm"), ((Map<?, ?>) results.get("machine")).get("nproc"),
                ((Map<?, ?>) results.get("machine")).get("loadAverageAtStart"), o.quick() ? "--quick sizes" : "full sizes");
        System.out.print(Report.table(outcomes, labels));
        for (Outcome x : outcomes) {
            for (Map<String, Object> p : x.profiles) {
                System.out.printf("%nJFR %s (%s execution samples)%n", p.get("herald"), p.get("executionSamples"));
                printTop("  hottest methods", p.get("topFrames"));
                printTop("  nearest Herald method", p.get("heraldFrames"));
                printTop("  threads", p.get("threads"));
                printTop("  native, inside Herald code", p.get("nativeInHerald"));
            }
        }
        System.out.printf("%nresults: %s%nlogs:    %s%n", json, runDir);
        return outcomes.stream().anyMatch(x -> x.error != null) ? 1 : 0;
    }

    private interface Body {
        void run(Outcome out);
    }

    private static Outcome measure(RunContext ctx, String scenario, RunContext.Jar jar, Body body) {
        Outcome out = new Outcome(scenario, jar == null ? null : jar.label());
        ctx.beginScenario();
        double cpu0 = harnessCpuSeconds();
        long t0 = System.nanoTime();
        System.err.printf("bench: %s%s%n", scenario, jar == null ? "" : " (" + jar.label() + ")");
        try {
            body.run(out);
        } catch (RuntimeException e) {
            out.error = e.getClass().getSimpleName() + ": " + e.getMessage();
            System.err.println("bench: " + scenario + " failed:");
            e.printStackTrace();
        } finally {
            out.wallSeconds = (System.nanoTime() - t0) / 1e9;
            out.harnessCpuSeconds = harnessCpuSeconds() - cpu0;
            out.heraldCpuSeconds = ctx.heraldCpuSeconds();
            out.profiles.addAll(ctx.profiles());
        }
        return out;
    }

    private static void printTop(String title, Object lines) {
        if (lines instanceof List<?> l && !l.isEmpty()) {
            System.out.println(title);
            l.stream().limit(5).forEach(x -> System.out.println("    " + x));
        }
    }

    static double harnessCpuSeconds() {
        return ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    }

    private static void quietLogs() {
        if (LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(Level.WARN);
        }
        if (LoggerFactory.getLogger("org.eclipse.jetty") instanceof ch.qos.logback.classic.Logger jetty) {
            jetty.setLevel(Level.ERROR);
        }
    }

    /** A variation as the summary prints it after its jar: empty when there is none. */
    static String describe(LoadOptions.Variation v) {
        StringBuilder b = new StringBuilder();
        v.env().forEach((k, val) -> b.append(' ').append(k).append('=').append(val));
        if (v.databaseParams() != null) {
            b.append(" database +").append(v.databaseParams());
        }
        return b.toString();
    }
}
