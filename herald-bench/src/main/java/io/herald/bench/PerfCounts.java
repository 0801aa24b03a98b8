package io.herald.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Linux {@code perf stat} attached to Herald for a window: context switches and the system calls
 * that explain Herald's system time (SQLite's file I/O and locks, socket I/O, thread hand-offs
 * through futexes, selector and poller wake-ups). Counts come from the kernel's syscall
 * tracepoints, so they need {@code perf} and a kernel that lets this user read them; where either
 * is missing, {@link #start} says why and the scenario goes on without counts.
 */
final class PerfCounts {
    /** What is counted; names as perf lists them. */
    static final List<String> EVENTS = List.of("context-switches", "cpu-migrations",
            "syscalls:sys_enter_futex", "syscalls:sys_enter_epoll_wait", "syscalls:sys_enter_epoll_ctl",
            "syscalls:sys_enter_read", "syscalls:sys_enter_write", "syscalls:sys_enter_writev",
            "syscalls:sys_enter_pread64", "syscalls:sys_enter_pwrite64", "syscalls:sys_enter_fcntl",
            "syscalls:sys_enter_fsync", "syscalls:sys_enter_fdatasync");

    private final Process perf;
    private final Path output;

    private PerfCounts(Process perf, Path output) {
        this.perf = perf;
        this.output = output;
    }

    /** Starts counting for {@code pid}; throws with the reason when perf cannot. */
    static PerfCounts start(long pid, Path output) {
        try {
            Process p = new ProcessBuilder("perf", "stat", "-x", ",", "-o", output.toString(),
                    "-e", String.join(",", EVENTS), "-p", Long.toString(pid))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            // perf exits at once when it cannot attach or an event is unknown.
            if (p.waitFor(300, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("perf stat exited with " + p.exitValue() + ": " + read(output));
            }
            return new PerfCounts(p, output);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run perf: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Stops counting (SIGINT, on which perf writes its counts) and returns them by event name. */
    Map<String, Long> stop() {
        try {
            new ProcessBuilder("kill", "-INT", Long.toString(perf.pid())).start().waitFor(5, TimeUnit.SECONDS);
            if (!perf.waitFor(10, TimeUnit.SECONDS)) {
                perf.destroyForcibly();
            }
        } catch (IOException e) {
            perf.destroyForcibly();
        } catch (InterruptedException e) {
            perf.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        return parse(read(output));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    /** perf's CSV ({@code -x ,}): value, unit, event, …; lines of events it could not count are left out. */
    static Map<String, Long> parse(String csv) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String line : csv.split("\n")) {
            String[] f = line.split(",");
            if (f.length < 3 || line.startsWith("#")) {
                continue;
            }
            try {
                counts.put(f[2].replace("syscalls:sys_enter_", ""), Long.parseLong(f[0].strip()));
            } catch (NumberFormatException e) {
                // "<not counted>" or "<not supported>"
            }
        }
        return counts;
    }
}
