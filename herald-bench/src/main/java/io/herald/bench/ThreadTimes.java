package io.herald.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time and context switches of a process, per thread, from Linux's {@code /proc/<pid>/task}:
 * a {@link #read snapshot} now and one later give what the process spent in between, and on which
 * threads (named as the kernel knows them: the JVM's thread names cut to 15 characters, so JIT and
 * GC threads show as well as Herald's own). Virtual threads have no kernel thread: their work shows
 * on the carrier threads ({@code ForkJoinPool-1-worker-N}).
 *
 * <p>A thread that ended between the snapshots takes its counts with it; the process totals
 * ({@code /proc/<pid>/stat}) keep its CPU time, not its switches.
 */
record ThreadTimes(long userTicks, long systemTicks, Map<Long, Task> tasks) {
    /** Linux's USER_HZ, the unit of the times in {@code stat}: 100 on every common build. */
    static final double TICKS_PER_SECOND = 100;

    /** One kernel thread: its name, CPU ticks in user and kernel mode, and context switches. */
    record Task(String name, long userTicks, long systemTicks, long voluntary, long involuntary) {}

    /** What a group of threads (same name but for a trailing number) did between two snapshots. */
    record Group(String name, double userSeconds, double systemSeconds, long voluntary, long involuntary) {
        double cpuSeconds() {
            return userSeconds + systemSeconds;
        }
    }

    /** A snapshot of {@code pid}; null where /proc is not there (not Linux) or the process is gone. */
    static ThreadTimes read(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid));
        try {
            long[] total = times(Files.readString(proc.resolve("stat")));
            Map<Long, Task> tasks = new HashMap<>();
            try (Stream<Path> dirs = Files.list(proc.resolve("task"))) {
                for (Path dir : dirs.toList()) {
                    try {
                        String stat = Files.readString(dir.resolve("stat"));
                        long[] t = times(stat);
                        long[] switches = switches(Files.readAllLines(dir.resolve("status")));
                        tasks.put(Long.parseLong(dir.getFileName().toString()),
                                new Task(name(stat), t[0], t[1], switches[0], switches[1]));
                    } catch (IOException e) {
                        // The thread ended while we listed: it is in the totals, not among the tasks.
                    }
                }
            }
            return new ThreadTimes(total[0], total[1], tasks);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** {@code utime} and {@code stime} of a stat line; the name in parentheses may hold spaces. */
    static long[] times(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        // After the name: state is field 3 of proc(5), utime 14 and stime 15.
        return new long[] {Long.parseLong(f[14 - 3]), Long.parseLong(f[15 - 3])};
    }

    static String name(String stat) {
        return stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    }

    static long[] switches(List<String> status) {
        long voluntary = 0;
        long involuntary = 0;
        for (String line : status) {
            if (line.startsWith("voluntary_ctxt_switches:")) {
                voluntary = Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
            } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                involuntary = Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        return new long[] {voluntary, involuntary};
    }

    double userSeconds() {
        return userTicks / TICKS_PER_SECOND;
    }

    double systemSeconds() {
        return systemTicks / TICKS_PER_SECOND;
    }

    /**
     * What each group of threads did from {@code before} to this snapshot, busiest first. A thread
     * that started in between counts from zero.
     */
    List<Group> since(ThreadTimes before) {
        Map<String, long[]> sums = new TreeMap<>();
        tasks.forEach((tid, now) -> {
            Task then = before.tasks().getOrDefault(tid, new Task(now.name(), 0, 0, 0, 0));
            long[] s = sums.computeIfAbsent(group(now.name()), k -> new long[4]);
            s[0] += now.userTicks() - then.userTicks();
            s[1] += now.systemTicks() - then.systemTicks();
            s[2] += now.voluntary() - then.voluntary();
            s[3] += now.involuntary() - then.involuntary();
        });
        return sums.entrySet().stream()
                .map(e -> new Group(e.getKey(), e.getValue()[0] / TICKS_PER_SECOND, e.getValue()[1] / TICKS_PER_SECOND,
                        e.getValue()[2], e.getValue()[3]))
                .sorted((a, b) -> Double.compare(b.cpuSeconds(), a.cpuSeconds()))
                .toList();
    }

    /** Threads that differ only by a number (pool members, numbered compiler threads) count together. */
    static String group(String name) {
        return name.replaceAll("\\d+", "N");
    }
}
