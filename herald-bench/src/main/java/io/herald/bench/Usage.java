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
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

/**
 * What Herald and the harness had used up to one moment: CPU time, and thread by thread CPU time
 * and context switches; the transactions committed in Herald's database; and the publishes
 * answered and deliveries received so far, to divide by. Two readings around a window of load
 * make a {@link Cost}.
 *
 * <p>A reading takes a while (under load, a PostgreSQL connection alone can take a few hundred
 * ms), so its parts are read in the same order every time: each figure's two readings are then
 * as far apart as the others', and the counts it is divided by cover a window of the same length.
 *
 * <p>A process's CPU time is {@link ProcessHandle.Info#totalCpuDuration()}, as elsewhere in the
 * harness: on Linux the JDK reads it from utime + stime of {@code /proc/<pid>/stat}, which cover
 * every thread, live or ended, in clock ticks (10 ms).
 *
 * <p>Per thread, {@code /proc/<pid>/task/<tid>/stat} gives its name (15 characters at most) and
 * utime + stime, and {@code /proc/<pid>/task/<tid>/status} its
 * {@code voluntary_ctxt_switches + nonvoluntary_ctxt_switches}. Context switches can only be had
 * this way: {@code /proc/<pid>/status} and {@code /proc/<pid>/sched} count the main thread only
 * (which in a JVM mostly waits), and no file sums a process's threads. A thread that ends inside a
 * window takes its switches with it: the count is then low, and
 * {@link Cost#heraldThreadsEnded()} says how many threads ended.
 *
 * @param heraldThreads   by thread id; empty where {@code /proc} cannot be read
 * @param commits         {@code xact_commit} of Herald's PostgreSQL database; null on SQLite
 * @param published       publishes answered 2xx so far
 * @param delivered       deliveries the receiver answered so far
 * @param load            the machine's 1-minute load average (NaN without /proc): on a shared
 *                        machine, whether others were busy; Herald and the harness add their own
 * @param databaseTicks   CPU clock ticks used so far by the PostgreSQL server's processes on this
 *                        machine (every process named {@code postgres}: backends, WAL writer,
 *                        checkpointer); null on SQLite, whose work is Herald's own, or without /proc
 * @param machine         the whole machine's busy and total clock ticks over all cores so far; null without /proc
 */
record Usage(long nanos, double heraldCpuSeconds, double harnessCpuSeconds, Map<Long, Task> heraldThreads,
             Map<Long, Task> harnessThreads, Long commits, long published, long delivered, double load,
             Long databaseTicks, Ticks machine) {

    Usage(long nanos, double heraldCpuSeconds, double harnessCpuSeconds, Map<Long, Task> heraldThreads,
          Map<Long, Task> harnessThreads, Long commits, long published, long delivered, double load) {
        this(nanos, heraldCpuSeconds, harnessCpuSeconds, heraldThreads, harnessThreads, commits, published, delivered,
                load, null, null);
    }

    /** Busy and total clock ticks of {@code /proc/stat}'s first line (all cores). */
    record Ticks(long busy, long total) {}

    /** One thread: its name, CPU time in clock ticks, context switches. */
    record Task(String name, long ticks, long switches) {}

    /**
     * Clock ticks per second of utime and stime ({@code getconf CLK_TCK}): Linux reports them in
     * USER_HZ, which it keeps at 100 on x86 and arm64 whatever its internal tick rate.
     */
    static final long TICKS_PER_SECOND = 100;

    static Usage read(HeraldProcess herald, Databases databases, Databases.Fresh db, LongSupplier published,
                      LongSupplier delivered) {
        // The slow part first; the CPU times and the counts they are divided by close together.
        Long commits = databases.commits(db);
        long nanos = System.nanoTime();
        double heraldCpu = herald.cpuSeconds();
        double harnessCpu = LoadRun.harnessCpuSeconds();
        Map<Long, Task> heraldThreads = threads(herald.pid());
        Map<Long, Task> harnessThreads = threads(ProcessHandle.current().pid());
        Long databaseTicks = commits == null ? null : processTicks("postgres");
        return new Usage(nanos, heraldCpu, harnessCpu, heraldThreads, harnessThreads, commits,
                published.getAsLong(), delivered.getAsLong(), loadAverage(), databaseTicks, machineTicks());
    }

    /**
     * utime + stime, in clock ticks, of every process on this machine whose name ({@code comm}) is
     * {@code name}; null without /proc. A process that ends between two readings takes its ticks
     * with it: for PostgreSQL that is a backend whose connection closed, and Herald's pool keeps
     * its connections open under load.
     */
    static Long processTicks(String name) {
        List<Path> pids;
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            pids = s.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList();
        } catch (IOException | UncheckedIOException e) {
            return null;
        }
        long sum = 0;
        for (Path pid : pids) {
            try {
                Task t = task(Files.readString(pid.resolve("stat")), 0);
                if (t != null && t.name().equals(name)) {
                    sum += t.ticks();
                }
            } catch (IOException | RuntimeException e) {
                // Ended between the listing and the read, or not readable: leave it out.
            }
        }
        return sum;
    }

    /** The machine's busy and total ticks; null without /proc. */
    static Ticks machineTicks() {
        try {
            return ticks(Files.readString(Path.of("/proc/stat")).lines().findFirst().orElse(""));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * {@code cpu  user nice system idle iowait irq softirq steal guest guest_nice}: busy is all but
     * idle and iowait (guest time is already inside user and nice, so it is not added again).
     */
    static Ticks ticks(String cpuLine) {
        String[] f = cpuLine.strip().split("\\s+");
        if (f.length < 9 || !f[0].equals("cpu")) {
            throw new IllegalArgumentException("not /proc/stat's cpu line: " + cpuLine);
        }
        long total = 0;
        long busy = 0;
        for (int i = 1; i <= Math.min(8, f.length - 1); i++) {
            long v = Long.parseLong(f[i]);
            total += v;
            if (i != 4 && i != 5) {
                busy += v;
            }
        }
        return new Ticks(busy, total);
    }

    /** Every thread of process {@code pid}, by thread id; empty without /proc. */
    static Map<Long, Task> threads(long pid) {
        Map<Long, Task> byThread = new HashMap<>();
        List<Path> tasks;
        try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            tasks = s.toList();
        } catch (IOException | UncheckedIOException e) {
            return Map.of();
        }
        for (Path task : tasks) {
            try {
                long switches = contextSwitches(Files.readString(task.resolve("status")));
                Task t = task(Files.readString(task.resolve("stat")), switches);
                if (t != null && switches >= 0) {
                    byThread.put(Long.parseLong(task.getFileName().toString()), t);
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
     * The name and utime + stime (fields 2, 14 and 15) of a {@code /proc/.../stat} line; null when
     * it cannot be read. The name is in parentheses and may itself hold spaces and parentheses, so
     * the fields are counted from the last ')'.
     */
    static Task task(String stat, long switches) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open) {
            return null;
        }
        String[] f = stat.substring(close + 1).strip().split(" ");
        // f[0] is field 3 (state), so field n is f[n - 3].
        if (f.length < 13) {
            return null;
        }
        return new Task(stat.substring(open + 1, close), Long.parseLong(f[11]) + Long.parseLong(f[12]), switches);
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
     * Context switches between two readings: for each thread alive at the second, its count minus
     * its count at the first (all of it for a thread that started in between). -1 when either
     * reading is empty.
     */
    static long switchesBetween(Map<Long, Task> before, Map<Long, Task> after) {
        if (before.isEmpty() || after.isEmpty()) {
            return -1;
        }
        long sum = 0;
        for (Map.Entry<Long, Task> e : after.entrySet()) {
            sum += since(before.get(e.getKey()), e.getValue(), Task::switches);
        }
        return sum;
    }

    /**
     * CPU seconds between two readings by thread group: a thread's name with its numbers made
     * {@code #} ({@code ForkJoinPool-1-worker-3} and {@code -4} are one group). Threads that ended
     * in between are missing.
     */
    static Map<String, Double> cpuByGroup(Map<Long, Task> before, Map<Long, Task> after) {
        Map<String, Double> groups = new HashMap<>();
        for (Map.Entry<Long, Task> e : after.entrySet()) {
            long ticks = since(before.get(e.getKey()), e.getValue(), Task::ticks);
            groups.merge(group(e.getValue().name()), (double) ticks / TICKS_PER_SECOND, Double::sum);
        }
        return groups;
    }

    /** The group of a thread name: its runs of digits made {@code #}. */
    static String group(String threadName) {
        return threadName.replaceAll("[0-9]+", "#");
    }

    private static long since(Task was, Task now, ToLongFunction<Task> count) {
        long before = was == null ? 0 : count.applyAsLong(was);
        long after = count.applyAsLong(now);
        // Fewer than before: the id was reused by a new thread, all of whose count is new.
        return after >= before ? after - before : after;
    }

    /** Threads of the first reading missing from the second: their switches in between are not counted. */
    static int threadsEnded(Map<Long, Task> before, Map<Long, Task> after) {
        return (int) before.keySet().stream().filter(tid -> !after.containsKey(tid)).count();
    }

    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
