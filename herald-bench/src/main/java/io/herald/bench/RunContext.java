package io.herald.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the scenarios share in one run: options and sizes, the receivers, the client, where logs
 * go, and what earlier scenarios found (the ceiling; each jar's sustained rate). It also collects,
 * per scenario, the CPU time and profiles of the Heralds it started.
 */
final class RunContext {
    /** One entry of {@code --jar}: its label (A, B, ...), the jar, what is known of it, and its variation. */
    record Jar(String label, Path path, Map<String, Object> facts, LoadOptions.Variation variation) {}

    final LoadOptions options;
    final Sizes sizes;
    final Receiver receiver;
    /** A second receiver on another port: "another origin" for the isolation scenario. */
    final Receiver otherReceiver;
    final LoadClient client;
    final Databases databases;
    final Path runDir;
    final Path javaHome;
    Double ceiling;
    final Map<String, Integer> sustained = new HashMap<>();

    private double heraldCpu;
    private final List<Map<String, Object>> profiles = new ArrayList<>();
    private int started;

    RunContext(LoadOptions options, Sizes sizes, Receiver receiver, Receiver otherReceiver, LoadClient client,
               Databases databases, Path runDir, Path javaHome) {
        this.options = options;
        this.sizes = sizes;
        this.receiver = receiver;
        this.otherReceiver = otherReceiver;
        this.client = client;
        this.databases = databases;
        this.runDir = runDir;
        this.javaHome = javaHome;
    }

    /** A fresh Herald of {@code jar} (fresh data directory, fresh database) for {@code scenario}. */
    Session start(String scenario, Jar jar) {
        String name = scenario + "-" + jar.label() + "-" + (++started);
        Databases.Fresh db = databases.fresh(name);
        Map<String, String> all = new java.util.LinkedHashMap<>(options.env());
        all.putAll(jar.variation().env());
        Path jfr = options.jfr() ? runDir.resolve("herald-" + name + ".jfr") : null;
        try {
            HeraldProcess h = HeraldProcess.start(new HeraldProcess.Launch(javaHome, jar.path(), jar.variation().url(db.url()), all,
                    runDir.resolve("herald-" + name + ".log"), jfr));
            return new Session(h, new HeraldApi(client, h.base(), HeraldProcess.TOKEN), db, jfr, name);
        } catch (RuntimeException e) {
            databases.drop(db);
            throw e;
        }
    }

    /** A running Herald and its API; closing it stops Herald, drops its database and reads its profile. */
    final class Session implements AutoCloseable {
        final HeraldProcess herald;
        final HeraldApi api;
        private final Databases.Fresh db;
        private final Path jfr;
        private final String name;

        private Session(HeraldProcess herald, HeraldApi api, Databases.Fresh db, Path jfr, String name) {
            this.herald = herald;
            this.api = api;
            this.db = db;
            this.jfr = jfr;
            this.name = name;
        }

        /**
         * What Herald, the harness and Herald's database have used so far, with the publishes and
         * deliveries counted so far; two readings make a {@link Cost}.
         */
        Usage usage(Publisher pub, Receiver rx) {
            return Usage.read(herald, databases, db, pub::published, rx::ok);
        }

        /** The name of this Herald in logs and recordings, e.g. {@code throughput-A-1}. */
        String name() {
            return name;
        }

        @Override
        public void close() {
            double cpu = herald.cpuSeconds();
            try {
                herald.close();
            } finally {
                databases.drop(db);
            }
            if (!Double.isNaN(cpu)) {
                heraldCpu += cpu;
            }
            if (jfr != null) {
                profile(name, jfr);
            }
        }
    }

    /** Adds the hot spots of recording {@code jfr}, when there is one, to the scenario's results. */
    void profile(String name, Path jfr) {
        if (JfrSummary.exists(jfr)) {
            Map<String, Object> p = new java.util.LinkedHashMap<>();
            p.put("herald", name);
            p.putAll(JfrSummary.of(jfr));
            profiles.add(p);
        }
    }

    /** Starts the bookkeeping of one scenario. */
    void beginScenario() {
        heraldCpu = 0;
        profiles.clear();
        receiver.reset();
        otherReceiver.reset();
    }

    double heraldCpuSeconds() {
        return heraldCpu;
    }

    List<Map<String, Object>> profiles() {
        return List.copyOf(profiles);
    }
}
