package io.herald.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The options of {@code herald-bench.jar load}, parsed and checked before anything starts: a bad
 * option stops the run with a message that names it.
 *
 * @param jars          the Herald jars to measure; with more than one, each scenario runs once per
 *                      jar, one after the other, so that before and after see the same machine state
 * @param variations    per entry of {@code jars}, what that run of it has besides the common options
 * @param databaseUrl   a PostgreSQL database to use as it is (not created, not dropped); null to
 *                      create a fresh one per scenario
 * @param rates         throughput steps (offered publishes/s); null for the defaults of {@link Sizes}
 * @param isolationRate healthy publishes/s of the isolation scenario; null for 80 % of the
 *                      sustained throughput measured in the same run
 * @param backlog       deliveries pending in the backlog scenario; null for the default
 * @param publishers    concurrent publishers of the closed-loop scenario; null for the default
 * @param costRate      publishes/s of the cost scenario; null for the default of {@link Sizes}
 * @param hangTimeoutMs the hanging endpoints' {@code timeoutMs} in the isolation-backlog scenario;
 *                      null for its default
 */
record LoadOptions(Set<String> scenarios, boolean quick, String store, String databaseUrl, List<Path> jars,
                   List<Variation> variations, boolean jfr,
                   boolean perf, Path out, Long backlog, List<Integer> rates, Integer isolationRate, Integer publishers,
                   Map<String, String> env, Integer costRate, Integer hangTimeoutMs, boolean help) {
    /**
     * What one entry of {@code --jar} runs with besides the options every entry shares: extra
     * environment for Herald, and parameters added to its PostgreSQL database URL. Two entries of
     * the same jar that differ only here compare a setting in the same run.
     */
    record Variation(Map<String, String> env, String databaseParams) {
        static final Variation NONE = new Variation(Map.of(), null);

        /** The database URL this entry's Herald gets: {@code url} with the parameters added. */
        String url(String url) {
            if (url == null || databaseParams == null) {
                return url;
            }
            return url + (url.contains("?") ? "&" : "?") + databaseParams;
        }
    }

    static final List<String> SCENARIOS =
            List.of("ceiling", "throughput", "closed", "cost", "latency", "fanout", "isolation", FailingScenario.NAME,
                    HangingBacklogScenario.NAME, "backlog");
    static final Path DEFAULT_JAR = Path.of("herald-server", "target", "herald.jar");
    static final Path DEFAULT_OUT = Path.of("bench-results");
    static final long MAX_BACKLOG = 100_000_000L;

    static final String USAGE = """
            usage: herald-bench.jar load [options]
              --scenarios LIST      comma-separated, any of %s (default: all)
              --quick               small sizes and short steps: a smoke run of a few minutes
              --store sqlite|postgres
                                    postgres creates a fresh database per scenario on 127.0.0.1:5432
                                    (user postgres) and drops it afterwards (default: sqlite)
              --database-url URL    use this PostgreSQL database as it is (implies --store postgres)
              --jar PATH            the Herald jar to run (default: herald-server/target/herald.jar);
                                    repeat it to measure several jars, scenario by scenario
              --jar-env KEY=VALUE   an extra environment variable for the --jar before it only
                                    (repeatable); with the same jar twice, compares a setting
              --jar-db-params P     added to the database URL of the --jar before it only, e.g.
                                    unixSocket=/var/run/postgresql
              --jfr                 record each Herald with JFR (profile settings) and print its hottest
                                    methods and threads
              --perf                count Herald's context switches and system calls with perf stat in
                                    the cost scenario's window (Linux, perf installed)
              --out DIR             where results go (default: bench-results)
              --backlog N           deliveries pending in the backlog scenario (default 1000000;
                                    10000 with --quick)
              --rates LIST          throughput steps in publishes/s, ascending (default
                                    250,500,1000,2000,3000,4000,5000,6000,8000,10000,12000,16000)
              --isolation-rate R    healthy publishes/s in the isolation scenario (default: 80 %% of
                                    the sustained throughput of the same run)
              --publishers N        concurrent publishers in the closed-loop scenario, each sending
                                    its next publish when the last is answered (default 64, at most %d)
              --cost-rate R         publishes/s of the cost scenario (default 500; 200 with --quick)
              --hang-timeout-ms MS  the hanging endpoints' timeoutMs in isolation-backlog (default %d)
              --env KEY=VALUE       an extra environment variable for Herald, e.g.
                                    --env HERALD_RETRY_DELAYS=2,2,2 (repeatable)
              --help                this text
            """.formatted(String.join(",", SCENARIOS), LoadClient.MAX_CONNECTIONS,
                    HangingBacklogScenario.TIMEOUT_MS);

    /** An option that cannot be used; the message names it. */
    static final class Invalid extends RuntimeException {
        Invalid(String message) {
            super(message);
        }
    }

    static LoadOptions parse(String... args) {
        Set<String> scenarios = new LinkedHashSet<>(SCENARIOS);
        boolean quick = false;
        boolean jfr = false;
        boolean perf = false;
        boolean help = false;
        String store = null;
        String databaseUrl = null;
        List<Path> jars = new ArrayList<>();
        List<Map<String, String>> jarEnvs = new ArrayList<>();
        List<String> jarParams = new ArrayList<>();
        Path out = DEFAULT_OUT;
        Long backlog = null;
        List<Integer> rates = null;
        Integer isolationRate = null;
        Integer publishers = null;
        Integer costRate = null;
        Integer hangTimeoutMs = null;
        Map<String, String> env = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                inline = arg.substring(eq + 1);
            }
            switch (name) {
                case "--quick" -> quick = noValue(name, inline);
                case "--jfr" -> jfr = noValue(name, inline);
                case "--perf" -> perf = noValue(name, inline);
                case "--help", "-h" -> help = true;
                case "--scenarios" -> scenarios = scenarios(inline != null ? inline : value(args, ++i, name));
                case "--store" -> {
                    store = inline != null ? inline : value(args, ++i, name);
                    if (!store.equals("sqlite") && !store.equals("postgres")) {
                        throw new Invalid("--store must be sqlite or postgres, got '" + store + "'");
                    }
                }
                case "--database-url" -> {
                    databaseUrl = inline != null ? inline : value(args, ++i, name);
                    if (!databaseUrl.startsWith("jdbc:postgresql:")) {
                        throw new Invalid("--database-url must start with jdbc:postgresql:, got '" + databaseUrl + "'");
                    }
                }
                case "--jar" -> {
                    jars.add(Path.of(inline != null ? inline : value(args, ++i, name)));
                    jarEnvs.add(new LinkedHashMap<>());
                    jarParams.add(null);
                }
                case "--jar-env" -> {
                    String kv = inline != null ? inline : value(args, ++i, name);
                    int at = kv.indexOf('=');
                    if (at <= 0) {
                        throw new Invalid("--jar-env takes KEY=VALUE, got '" + kv + "'");
                    }
                    if (jars.isEmpty()) {
                        throw new Invalid("--jar-env applies to the --jar before it; there is none");
                    }
                    jarEnvs.getLast().put(kv.substring(0, at), kv.substring(at + 1));
                }
                case "--jar-db-params" -> {
                    String params = inline != null ? inline : value(args, ++i, name);
                    if (jars.isEmpty()) {
                        throw new Invalid("--jar-db-params applies to the --jar before it; there is none");
                    }
                    if (params.isBlank() || params.startsWith("?") || params.startsWith("&")) {
                        throw new Invalid("--jar-db-params takes NAME=VALUE[&NAME=VALUE...], got '" + params + "'");
                    }
                    jarParams.set(jarParams.size() - 1, params);
                }
                case "--out" -> out = Path.of(inline != null ? inline : value(args, ++i, name));
                case "--backlog" -> backlog = longIn(name, inline != null ? inline : value(args, ++i, name), 1, MAX_BACKLOG);
                case "--rates" -> rates = rates(inline != null ? inline : value(args, ++i, name));
                case "--isolation-rate" ->
                        isolationRate = (int) longIn(name, inline != null ? inline : value(args, ++i, name), 1, 1_000_000);
                // At most one publisher per connection of the client: beyond it, publishes would wait
                // in the client's queue and the publish latency would measure the harness.
                case "--publishers" -> publishers =
                        (int) longIn(name, inline != null ? inline : value(args, ++i, name), 1, LoadClient.MAX_CONNECTIONS);
                case "--cost-rate" ->
                        costRate = (int) longIn(name, inline != null ? inline : value(args, ++i, name), 1, 1_000_000);
                case "--hang-timeout-ms" -> hangTimeoutMs = (int) longIn(name, inline != null ? inline : value(args, ++i, name),
                        1_000, 300_000);
                case "--env" -> {
                    String kv = inline != null ? inline : value(args, ++i, name);
                    int at = kv.indexOf('=');
                    if (at <= 0) {
                        throw new Invalid("--env takes KEY=VALUE, got '" + kv + "'");
                    }
                    env.put(kv.substring(0, at), kv.substring(at + 1));
                }
                default -> throw new Invalid("unknown option '" + arg + "' (see --help)");
            }
        }
        if (databaseUrl != null) {
            if ("sqlite".equals(store)) {
                throw new Invalid("--database-url is a PostgreSQL database; it cannot be used with --store sqlite");
            }
            store = "postgres";
        }
        if (store == null) {
            store = "sqlite";
        }
        if (jars.isEmpty()) {
            jars.add(DEFAULT_JAR);
            jarEnvs.add(Map.of());
            jarParams.add(null);
        }
        if (!"postgres".equals(store) && jarParams.stream().anyMatch(java.util.Objects::nonNull)) {
            throw new Invalid("--jar-db-params is for PostgreSQL (--store postgres)");
        }
        List<Variation> variations = new ArrayList<>();
        for (int i = 0; i < jars.size(); i++) {
            variations.add(jarEnvs.get(i).isEmpty() && jarParams.get(i) == null ? Variation.NONE
                    : new Variation(Map.copyOf(jarEnvs.get(i)), jarParams.get(i)));
        }
        return new LoadOptions(java.util.Collections.unmodifiableSet(scenarios), quick, store, databaseUrl,
                List.copyOf(jars), List.copyOf(variations), jfr, perf, out, backlog, rates, isolationRate, publishers, env, costRate, hangTimeoutMs, help);
    }

    private static boolean noValue(String name, String inline) {
        if (inline != null) {
            throw new Invalid(name + " takes no value");
        }
        return true;
    }

    private static String value(String[] args, int i, String name) {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new Invalid(name + " needs a value (see --help)");
        }
        return args[i];
    }

    private static Set<String> scenarios(String list) {
        Set<String> chosen = new LinkedHashSet<>();
        for (String s : list.split(",")) {
            String name = s.strip();
            if (name.isEmpty()) {
                continue;
            }
            if (!SCENARIOS.contains(name)) {
                throw new Invalid("--scenarios: unknown scenario '" + name + "' (known: " + String.join(",", SCENARIOS) + ")");
            }
            chosen.add(name);
        }
        if (chosen.isEmpty()) {
            throw new Invalid("--scenarios names no scenario");
        }
        // Run in the documented order whatever order they were given in: isolation needs throughput.
        Set<String> ordered = new LinkedHashSet<>();
        for (String s : SCENARIOS) {
            if (chosen.contains(s)) {
                ordered.add(s);
            }
        }
        return ordered;
    }

    private static List<Integer> rates(String list) {
        List<Integer> rates = new ArrayList<>();
        for (String s : list.split(",")) {
            if (s.isBlank()) {
                continue;
            }
            int r = (int) longIn("--rates", s.strip(), 1, 1_000_000);
            if (!rates.isEmpty() && r <= rates.getLast()) {
                throw new Invalid("--rates must be ascending, got " + r + " after " + rates.getLast());
            }
            rates.add(r);
        }
        if (rates.isEmpty()) {
            throw new Invalid("--rates names no rate");
        }
        return List.copyOf(rates);
    }

    private static long longIn(String name, String v, long min, long max) {
        long n;
        try {
            n = Long.parseLong(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new Invalid(name + " must be a whole number, got '" + v + "'");
        }
        if (n < min || n > max) {
            throw new Invalid(name + " must be between " + min + " and " + max + ", got " + n);
        }
        return n;
    }

    /** The options as they go into the results file. */
    Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenarios", List.copyOf(scenarios));
        m.put("quick", quick);
        m.put("store", store);
        m.put("databaseUrl", databaseUrl);
        m.put("jars", jars.stream().map(Path::toString).toList());
        if (variations.stream().anyMatch(v -> v != Variation.NONE)) {
            m.put("variations", variations.stream().map(v -> {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("env", v.env());
                e.put("databaseParams", v.databaseParams());
                return e;
            }).toList());
        }
        m.put("jfr", jfr);
        m.put("perf", perf);
        m.put("out", out.toString());
        m.put("backlog", backlog);
        m.put("rates", rates);
        m.put("isolationRate", isolationRate);
        m.put("publishers", publishers);
        m.put("costRate", costRate);
        m.put("hangTimeoutMs", hangTimeoutMs);
        m.put("env", env);
        return m;
    }
}
