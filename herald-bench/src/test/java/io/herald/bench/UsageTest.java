package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
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
    void switchesBetween_countsPerThread_newThreadsFromZero_endedThreadsNot() {
        Map<Long, Long> before = Map.of(1L, 100L, 2L, 50L, 3L, 70L);
        // 1 went on, 2 ended, 4 started; 3 is an id reused by a new thread (fewer than before).
        Map<Long, Long> after = Map.of(1L, 130L, 3L, 5L, 4L, 20L);
        assertThat(Usage.switchesBetween(before, after)).isEqualTo(30 + 5 + 20);
        assertThat(Usage.threadsEnded(before, after)).isEqualTo(1);
        assertThat(Usage.switchesBetween(Map.of(), after)).isEqualTo(-1);
    }

    @Test
    void switchesByThread_ofThisProcess_readsEveryThread() {
        Path self = Path.of("/proc/self/task");
        Assumptions.assumeTrue(Files.isDirectory(self), "needs Linux /proc");
        Map<Long, Long> byThread = Usage.switchesByThread(ProcessHandle.current().pid());
        // A JVM runs more than a dozen threads (GC, JIT, finalizer, …), each of which has waited.
        assertThat(byThread).hasSizeGreaterThan(5);
        assertThat(byThread.values()).allMatch(n -> n >= 0);
        assertThat(byThread).containsKey(ProcessHandle.current().pid()); // the main thread's id is the pid
        assertThat(Usage.switchesByThread(Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void cost_perMessage() {
        Usage a = new Usage(1_000_000_000L, 10, 4, Map.of(1L, 100L), Map.of(9L, 10L), 1_000L, 5_000, 4_000, 0.5);
        Usage b = new Usage(21_000_000_000L, 30, 9, Map.of(1L, 40_100L), Map.of(9L, 20_010L), 101_000L, 30_000, 24_000, 1.5);
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
        assertThat(c.toMap()).containsEntry("loadAverageBefore", 0.5).containsEntry("loadAverageAfter", 1.5);
        Outcome out = new Outcome("closed", "A");
        c.rows(out, "closed", "window");
        assertThat(out.rows).extracting(Outcome.Row::value).containsExactly("1.000 / 0.250", "2.00 / 1.00", "4.00");
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
        assertThat(out.rows).hasSize(2); // no commits line on SQLite
    }
}
