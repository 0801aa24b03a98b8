package io.herald.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a window of load cost, per message: Herald's and the harness's CPU time and context
 * switches per delivery, and on PostgreSQL the commits in Herald's database per publish. See
 * {@link Usage} for where each figure comes from.
 *
 * <p>Commits come from {@code pg_stat_database}, which PostgreSQL updates late: each backend adds
 * its counts to the shared statistics at most once a second, when it is between transactions, and
 * one that then stays idle does so within 10 s ({@code PGSTAT_MIN_INTERVAL},
 * {@code PGSTAT_IDLE_INTERVAL}). A reading taken under load therefore misses up to about a second
 * of commits on each busy connection. Both readings of a window are taken under the same load, so
 * the two shortfalls mostly cancel; what is left is of the order of a tenth of a second of commits
 * (16 connections each a uniform 0 to 1 s behind), under 1 % of a 20 s window. A window that
 * starts after an idle pause (a throughput step after a drain) can also count the previous load's
 * last second, a few % of a 12 s step.
 *
 * @param seconds            between the two readings
 * @param heraldThreadsEnded threads of Herald that ended inside the window (their switches are missing)
 * @param heraldCpuByThread  Herald's CPU seconds by thread group ({@link Usage#group}); threads that
 *                           ended inside the window are missing
 * @param commits            transactions committed in Herald's database; null on SQLite
 * @param delivered          deliveries the receiver answered in the window
 * @param published          publishes answered 2xx in the window
 * @param loadBefore         the machine's 1-minute load average at the first reading ({@code loadAfter}: at
 *                           the second), to judge how busy the machine was
 * @param databaseCpuSeconds the PostgreSQL server's CPU seconds (every {@code postgres} process on the
 *                           machine); null on SQLite
 * @param machineBusyCores   how many cores the whole machine kept busy on average (all processes,
 *                           the other services included); NaN without /proc
 * @param machineCores       the cores {@code /proc/stat} counted over the window (busy + idle ticks per second)
 */
record Cost(double seconds, double heraldCpuSeconds, double harnessCpuSeconds, long heraldSwitches,
            long harnessSwitches, int heraldThreadsEnded, Map<String, Double> heraldCpuByThread, Long commits,
            long delivered, long published, double loadBefore, double loadAfter, Double databaseCpuSeconds,
            double machineBusyCores, double machineCores) {

    Cost(double seconds, double heraldCpuSeconds, double harnessCpuSeconds, long heraldSwitches,
         long harnessSwitches, int heraldThreadsEnded, Map<String, Double> heraldCpuByThread, Long commits,
         long delivered, long published, double loadBefore, double loadAfter) {
        this(seconds, heraldCpuSeconds, harnessCpuSeconds, heraldSwitches, harnessSwitches, heraldThreadsEnded,
                heraldCpuByThread, commits, delivered, published, loadBefore, loadAfter, null, Double.NaN, Double.NaN);
    }

    /** Thread groups named in the table. */
    static final int TOP_THREADS = 4;


    static Cost between(Usage a, Usage b) {
        double seconds = (b.nanos() - a.nanos()) / 1e9;
        Double database = a.databaseTicks() == null || b.databaseTicks() == null ? null
                : (double) (b.databaseTicks() - a.databaseTicks()) / Usage.TICKS_PER_SECOND;
        boolean machine = a.machine() != null && b.machine() != null && seconds > 0;
        double busyCores = machine ? (b.machine().busy() - a.machine().busy()) / (double) Usage.TICKS_PER_SECOND / seconds
                : Double.NaN;
        double cores = machine ? (b.machine().total() - a.machine().total()) / (double) Usage.TICKS_PER_SECOND / seconds
                : Double.NaN;
        return new Cost(seconds, b.heraldCpuSeconds() - a.heraldCpuSeconds(),
                b.harnessCpuSeconds() - a.harnessCpuSeconds(),
                Usage.switchesBetween(a.heraldThreads(), b.heraldThreads()),
                Usage.switchesBetween(a.harnessThreads(), b.harnessThreads()),
                Usage.threadsEnded(a.heraldThreads(), b.heraldThreads()),
                Usage.cpuByGroup(a.heraldThreads(), b.heraldThreads()),
                a.commits() == null || b.commits() == null ? null : b.commits() - a.commits(),
                b.delivered() - a.delivered(), b.published() - a.published(), a.load(), b.load(),
                database, busyCores, cores);
    }

    /** NaN on SQLite. */
    double databaseCpuMsPerDelivery() {
        return databaseCpuSeconds == null ? Double.NaN : per(databaseCpuSeconds * 1000, delivered);
    }

    /** Every process's CPU on the machine per delivery, the other services' included. */
    double machineCpuMsPerDelivery() {
        return per(machineBusyCores * seconds * 1000, delivered);
    }

    double heraldCpuMsPerDelivery() {
        return per(heraldCpuSeconds * 1000, delivered);
    }

    double harnessCpuMsPerDelivery() {
        return per(harnessCpuSeconds * 1000, delivered);
    }

    double heraldSwitchesPerDelivery() {
        return heraldSwitches < 0 ? Double.NaN : per(heraldSwitches, delivered);
    }

    double harnessSwitchesPerDelivery() {
        return harnessSwitches < 0 ? Double.NaN : per(harnessSwitches, delivered);
    }

    /** NaN on SQLite. */
    double commitsPerPublish() {
        return commits == null ? Double.NaN : per(commits, published);
    }

    /** Herald's thread groups by CPU ms per delivery, the busiest first. */
    Map<String, Double> heraldCpuMsPerDeliveryByThread() {
        Map<String, Double> m = new LinkedHashMap<>();
        heraldCpuByThread.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> m.put(e.getKey(), per(e.getValue() * 1000, delivered)));
        return m;
    }

    private static double per(double amount, long messages) {
        return messages <= 0 ? Double.NaN : amount / messages;
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seconds", Report.round(seconds, 2));
        m.put("delivered", delivered);
        m.put("published", published);
        m.put("heraldCpuSeconds", Report.clean(heraldCpuSeconds));
        m.put("harnessCpuSeconds", Report.clean(harnessCpuSeconds));
        m.put("heraldContextSwitches", heraldSwitches < 0 ? null : heraldSwitches);
        m.put("harnessContextSwitches", harnessSwitches < 0 ? null : harnessSwitches);
        m.put("heraldThreadsEnded", heraldThreadsEnded);
        Map<String, Object> byThread = new LinkedHashMap<>();
        heraldCpuMsPerDeliveryByThread().forEach((k, v) -> byThread.put(k, Report.clean(v)));
        m.put("heraldCpuMsPerDeliveryByThread", byThread);
        m.put("commits", commits);
        m.put("heraldCpuMsPerDelivery", Report.clean(heraldCpuMsPerDelivery()));
        m.put("harnessCpuMsPerDelivery", Report.clean(harnessCpuMsPerDelivery()));
        m.put("heraldContextSwitchesPerDelivery", Report.clean(heraldSwitchesPerDelivery()));
        m.put("harnessContextSwitchesPerDelivery", Report.clean(harnessSwitchesPerDelivery()));
        m.put("commitsPerPublish", Report.clean(commitsPerPublish()));
        m.put("databaseCpuSeconds", databaseCpuSeconds == null ? null : Report.clean(databaseCpuSeconds));
        m.put("databaseCpuMsPerDelivery", Report.clean(databaseCpuMsPerDelivery()));
        m.put("machineBusyCores", Report.clean(machineBusyCores));
        m.put("machineCores", Report.clean(machineCores));
        m.put("machineCpuMsPerDelivery", Report.clean(machineCpuMsPerDelivery()));
        m.put("loadAverageBefore", Report.clean(loadBefore));
        m.put("loadAverageAfter", Report.clean(loadAfter));
        return m;
    }

    /** The table's lines, under {@code scenario}, each figure named after {@code window}. */
    void rows(Outcome out, String scenario, String window) {
        out.row(scenario, window + ": CPU ms per delivery, Herald / harness",
                Report.fixed(heraldCpuMsPerDelivery(), 3) + " / " + Report.fixed(harnessCpuMsPerDelivery(), 3), "");
        List<String> top = heraldCpuMsPerDeliveryByThread().entrySet().stream().limit(TOP_THREADS)
                .map(e -> e.getKey() + " " + Report.fixed(e.getValue(), 2)).toList();
        out.row(scenario, window + ": Herald CPU ms per delivery, busiest threads", String.join(", ", top), "");
        out.row(scenario, window + ": context switches per delivery, Herald / harness",
                Report.fixed(heraldSwitchesPerDelivery(), 2) + " / " + Report.fixed(harnessSwitchesPerDelivery(), 2), "");
        if (commits != null) {
            out.row(scenario, window + ": PostgreSQL commits per publish", Report.fixed(commitsPerPublish(), 2), "");
        }
        if (databaseCpuSeconds != null) {
            out.row(scenario, window + ": PostgreSQL server CPU ms per delivery", Report.fixed(databaseCpuMsPerDelivery(), 3), "");
        }
        if (!Double.isNaN(machineBusyCores)) {
            out.row(scenario, window + ": machine busy cores of cores; all CPU ms per delivery",
                    Report.fixed(machineBusyCores, 2) + " of " + Report.fixed(machineCores, 1) + "; "
                            + Report.fixed(machineCpuMsPerDelivery(), 3), "");
        }
    }
}
