package io.herald.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * What Herald and the harness had used up to one moment: CPU time, context switches thread by
 * thread, and the transactions committed in Herald's database; with the publishes answered and the
 * deliveries received so far, to divide by. Two readings around a window of load make a
 * {@link Cost}.
 *
 * <p>A reading takes a while (under load, a PostgreSQL connection alone can take a few hundred
 * ms), so its parts are read in the same order every time: each figure's two readings are then
 * as far apart as the others', and the counts it is divided by cover a window of the same length.
 *
 * <p>CPU time is {@link ProcessHandle.Info#totalCpuDuration()}, as elsewhere in the harness: on
 * Linux the JDK reads it from utime + stime of {@code /proc/<pid>/stat}, which cover every thread
 * of the process, in clock ticks (10 ms).
 *
 * <p>Context switches are {@code voluntary_ctxt_switches + nonvoluntary_ctxt_switches} of
 * {@code /proc/<pid>/task/<tid>/status}, read for every thread. {@code /proc/<pid>/status} and
 * {@code /proc/<pid>/sched} count the main thread only (which in a JVM mostly waits), and no file
 * sums a process's threads. A thread that ends inside a window takes its switches with it: the
 * count is then low, and {@link Cost#heraldThreadsEnded()} says how many threads ended.
 *
 * @param heraldSwitches  context switches by thread id; empty where {@code /proc} cannot be read
 * @param commits         {@code xact_commit} of Herald's PostgreSQL database; null on SQLite
 * @param published       publishes answered 2xx so far
 * @param delivered       deliveries the receiver answered so far
 * @param load            the machine's 1-minute load average (NaN without /proc): on a shared
 *                        machine, whether others were busy; Herald and the harness add their own
 */
record Usage(long nanos, double heraldCpuSeconds, double harnessCpuSeconds, Map<Long, Long> heraldSwitches,
             Map<Long, Long> harnessSwitches, Long commits, long published, long delivered, double load) {

    static Usage read(HeraldProcess herald, Databases databases, Databases.Fresh db, LongSupplier published,
                      LongSupplier delivered) {
        // The slow part first; the CPU times and the counts they are divided by close together.
        Long commits = databases.commits(db);
        long nanos = System.nanoTime();
        double heraldCpu = herald.cpuSeconds();
        double harnessCpu = LoadRun.harnessCpuSeconds();
        Map<Long, Long> heraldSwitches = switchesByThread(herald.pid());
        Map<Long, Long> harnessSwitches = switchesByThread(ProcessHandle.current().pid());
        return new Usage(nanos, heraldCpu, harnessCpu, heraldSwitches, harnessSwitches, commits,
                published.getAsLong(), delivered.getAsLong(), loadAverage());
    }

    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** Context switches of every thread of process {@code pid}, by thread id; empty without /proc. */
    static Map<Long, Long> switchesByThread(long pid) {
        Map<Long, Long> byThread = new HashMap<>();
        List<Path> tasks;
        try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            tasks = s.toList();
        } catch (IOException | UncheckedIOException e) {
            return Map.of();
        }
        for (Path task : tasks) {
            try {
                long n = contextSwitches(Files.readString(task.resolve("status")));
                if (n >= 0) {
                    byThread.put(Long.parseLong(task.getFileName().toString()), n);
                }
            } catch (NoSuchFileException e) {
                // The thread ended between the listing and the read.
            } catch (IOException | NumberFormatException e) {
                // Not a thread directory, or unreadable: leave it out.
            }
        }
        return Map.copyOf(byThread);
    }

    /**
     * {@code voluntary_ctxt_switches + nonvoluntary_ctxt_switches} of the text of a
     * {@code /proc/.../status} file; -1 when either line is missing.
     */
    static long contextSwitches(String status) {
        long voluntary = -1;
        long involuntary = -1;
        for (String line : status.split("\n")) {
            if (line.startsWith("voluntary_ctxt_switches:")) {
                voluntary = Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
            } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                involuntary = Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        return voluntary < 0 || involuntary < 0 ? -1 : voluntary + involuntary;
    }

    /**
     * Switches between two readings: for each thread alive at the second, its count minus its count
     * at the first (all of it for a thread that started in between). -1 when either reading is empty.
     */
    static long switchesBetween(Map<Long, Long> before, Map<Long, Long> after) {
        if (before.isEmpty() || after.isEmpty()) {
            return -1;
        }
        long sum = 0;
        for (Map.Entry<Long, Long> e : after.entrySet()) {
            long was = before.getOrDefault(e.getKey(), 0L);
            // Fewer than before: the id was reused by a new thread, all of whose switches are new.
            sum += e.getValue() >= was ? e.getValue() - was : e.getValue();
        }
        return sum;
    }

    /** Threads of the first reading missing from the second: their switches in between are not counted. */
    static int threadsEnded(Map<Long, Long> before, Map<Long, Long> after) {
        return (int) before.keySet().stream().filter(tid -> !after.containsKey(tid)).count();
    }
}
