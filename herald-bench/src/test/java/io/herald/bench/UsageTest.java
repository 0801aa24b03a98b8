package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Reading /proc and turning two readings into costs per message. */
class UsageTest {
    /** The end of a real /proc/<pid>/task/<tid>/status (Linux 6.x); "nonvoluntary" contains "voluntary". */
    private static final String STATUS = """
            Name:\tqtp1234-56
            Umask:\t0022
            State:\tS (sleeping)
            Tgid:\t4242
            Pid:\t4250
            Threads:\t71
            Cpus_allowed_list:\t0-1
            Mems_allowed_list:\t0
            voluntary_ctxt_switches:\t15037
            nonvoluntary_ctxt_switches:\t212
            x86_Thread_features:\t
            """;

    @Test
    void contextSwitches_addsVoluntaryAndNonvoluntary() {
        assertThat(Usage.contextSwitches(STATUS)).isEqualTo(15_249);
    }

    @Test
    void contextSwitches_missingALine_isMinusOne() {
        assertThat(Usage.contextSwitches("Name:\tx\nvoluntary_ctxt_switches:\t3\n")).isEqualTo(-1);
        assertThat(Usage.contextSwitches("")).isEqualTo(-1);
    }

    @Test
    void task_readsNameAndUtimePlusStime_evenWithParenthesesAndSpacesInTheName() {
        // A real line of /proc/<pid>/task/<tid>/stat with a made-up name: utime 1234, stime 56.
        String stat = "4250 (a (b) c) S 1 4242 4242 0 -1 4194624 12345 0 3 0 1234 56 0 0 20 0 71 0 857470"
                + " 3133440 416 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        Usage.Task t = Usage.task(stat, 7);
        assertThat(t.name()).isEqualTo("a (b) c");
        assertThat(t.ticks()).isEqualTo(1_290);
        assertThat(t.switches()).isEqualTo(7);
        assertThat(Usage.task("4250 (x) S 1 2", 0)).isNull();
        assertThat(Usage.task("garbage", 0)).isNull();
    }

    @Test
    void group_isTheNameWithItsNumbersMadeHashes() {
        assertThat(Usage.group("ForkJoinPool-1-w")).isEqualTo("ForkJoinPool-#-w");
        assertThat(Usage.group("qtp1866850137-38")).isEqualTo("qtp#-#");
        assertThat(Usage.group("herald-sqlite-w")).isEqualTo("herald-sqlite-w");
    }

    private static Map<Long, Usage.Task> threads(Object... idNameTicksSwitches) {
        Map<Long, Usage.Task> m = new HashMap<>();
        for (int i = 0; i < idNameTicksSwitches.length; i += 4) {
            m.put(((Number) idNameTicksSwitches[i]).longValue(), new Usage.Task((String) idNameTicksSwitches[i + 1],
                    ((Number) idNameTicksSwitches[i + 2]).longValue(), ((Number) idNameTicksSwitches[i + 3]).longValue()));
        }
        return m;
    }

    @Test
    void switchesAndCpu_countPerThread_newThreadsFromZero_endedThreadsNot() {
        Map<Long, Usage.Task> before = threads(1, "w-1", 100, 100, 2, "w-2", 50, 50, 3, "gc", 70, 70);
        // 1 went on, 2 ended, 4 started; 3 is an id reused by a new thread (fewer than before).
        Map<Long, Usage.Task> after = threads(1, "w-1", 130, 130, 3, "gc", 5, 5, 4, "w-4", 20, 20);
        assertThat(Usage.switchesBetween(before, after)).isEqualTo(30 + 5 + 20);
        assertThat(Usage.threadsEnded(before, after)).isEqualTo(1);
        assertThat(Usage.switchesBetween(Map.of(), after)).isEqualTo(-1);
        // Ticks are hundredths of a second; w-1 and w-4 are one group.
        assertThat(Usage.cpuByGroup(before, after)).containsOnly(entry("w-#", 0.5), entry("gc", 0.05));
    }

    @Test
    void threads_ofThisProcess_readsEveryThread() {
        Path self = Path.of("/proc/self/task");
        Assumptions.assumeTrue(Files.isDirectory(self), "needs Linux /proc");
        Map<Long, Usage.Task> byThread = Usage.threads(ProcessHandle.current().pid());
        // A JVM runs more than a dozen threads (GC, JIT, finalizer, …), each of which has waited.
        assertThat(byThread).hasSizeGreaterThan(5);
        assertThat(byThread.values()).allMatch(t -> t.switches() >= 0 && t.ticks() >= 0 && !t.name().isEmpty());
        // The main thread's id is the pid; the JVM names its own threads, e.g. "Reference Handl(er)".
        assertThat(byThread).containsKey(ProcessHandle.current().pid());
        assertThat(byThread.values()).anyMatch(t -> t.name().startsWith("Reference Handl"));
        assertThat(Usage.threads(Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void cost_perMessage() {
        Usage a = new Usage(1_000_000_000L, 10, 4, threads(1, "w-1", 0, 100), threads(9, "h", 0, 10), 1_000L,
                5_000, 4_000, 0.5);
        Usage b = new Usage(21_000_000_000L, 30, 9, threads(1, "w-1", 1_500, 40_100, 2, "gc", 500, 0),
                threads(9, "h", 0, 20_010), 101_000L, 30_000, 24_000, 1.5);
        Cost c = Cost.between(a, b);
        assertThat(c.delivered()).isEqualTo(20_000);
        assertThat(c.published()).isEqualTo(25_000);
        assertThat(c.seconds()).isEqualTo(20.0);
        assertThat(c.heraldCpuMsPerDelivery()).isEqualTo(1.0);
        assertThat(c.harnessCpuMsPerDelivery()).isEqualTo(0.25);
        assertThat(c.heraldSwitchesPerDelivery()).isEqualTo(2.0);
        assertThat(c.harnessSwitchesPerDelivery()).isEqualTo(1.0);
        // Commits per message published, not per delivery: publish and attempt both commit.
        assertThat(c.commitsPerPublish()).isCloseTo(4.0, within(1e-9));
        assertThat(c.heraldCpuMsPerDeliveryByThread()).containsExactly(entry("w-#", 0.75), entry("gc", 0.25));
        assertThat(c.toMap()).containsEntry("loadAverageBefore", 0.5).containsEntry("loadAverageAfter", 1.5);
        Outcome out = new Outcome("closed", "A");
        c.rows(out, "closed", "window");
        assertThat(out.rows).extracting(Outcome.Row::value)
                .containsExactly("1.000 / 0.250", "w-# 0.75, gc 0.25", "2.00 / 1.00", "4.00");
    }

    @Test
    void cost_onSqlite_hasNoCommits_andNothingDelivered_isNotANumber() {
        Usage a = new Usage(0, 1, 1, Map.of(), Map.of(), null, 7, 7, Double.NaN);
        Usage b = new Usage(1_000_000_000L, 2, 2, Map.of(), Map.of(), null, 7, 7, Double.NaN);
        Cost c = Cost.between(a, b);
        assertThat(c.commits()).isNull();
        assertThat(c.commitsPerPublish()).isNaN();
        assertThat(c.heraldCpuMsPerDelivery()).isNaN();
        assertThat(c.heraldSwitchesPerDelivery()).isNaN();
        assertThat(c.toMap()).containsEntry("commitsPerPublish", null).containsEntry("heraldContextSwitches", null);
        Outcome out = new Outcome("closed", "A");
        c.rows(out, "closed", "window");
        assertThat(out.rows).hasSize(3); // no commits line on SQLite
    }

    @Test
    void ticks_busyIsAllButIdleAndIowait() {
        // user nice system idle iowait irq softirq steal guest guest_nice
        Usage.Ticks t = Usage.ticks("cpu  100 2 30 5000 40 1 6 0 7 0");
        assertThat(t.busy()).isEqualTo(100 + 2 + 30 + 1 + 6);
        assertThat(t.total()).isEqualTo(100 + 2 + 30 + 5000 + 40 + 1 + 6);
    }

    @Test
    void processTicks_countsTheProcessesOfThatName_andNoOthers() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/stat")));
        String comm = Files.readString(Path.of("/proc/self/comm")).strip();
        // Burn a little CPU so that this process has ticks of its own.
        long end = System.nanoTime() + 200_000_000L;
        long x = 0;
        while (System.nanoTime() < end) {
            x += x * 31 + 7;
        }
        Usage.Task self = Usage.task(Files.readString(Path.of("/proc/self/stat")), 0);
        assertThat(x).isNotZero();
        assertThat(Usage.processTicks(comm)).isGreaterThanOrEqualTo(self.ticks()).isPositive();
        assertThat(Usage.processTicks("no-such-process-name")).isZero();
    }

    @Test
    void cost_databaseAndMachine_perDelivery() {
        Usage a = new Usage(0, 1, 1, Map.of(), Map.of(), 0L, 0, 0, 0.1, 1_000L, new Usage.Ticks(500, 2_000));
        Usage b = new Usage(10_000_000_000L, 2, 2, Map.of(), Map.of(), 10L, 1_000, 1_000, 0.1, 1_300L,
                new Usage.Ticks(2_100, 4_000));
        Cost c = Cost.between(a, b);
        assertThat(c.databaseCpuMsPerDelivery()).isCloseTo(3.0, within(1e-9));
        assertThat(c.machineBusyCores()).isCloseTo(1.6, within(1e-9));
        assertThat(c.machineCores()).isCloseTo(2.0, within(1e-9));
        assertThat(c.machineCpuMsPerDelivery()).isCloseTo(16.0, within(1e-9));
        Outcome out = new Outcome("closed", "A");
        c.rows(out, "closed", "window");
        assertThat(out.rows).extracting(Outcome.Row::value).endsWith("3.000", "1.60 of 2.0; 16.000");
    }
}
