package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ThreadTimesTest {
    @Test
    void times_readUtimeAndStime_evenWithSpacesAndParenthesesInTheName() {
        String stat = "4242 (C2 Compiler) (x)) S 1 4242 4242 0 -1 4194624 5 0 0 0 731 62 0 0 20 0 1 0 100 0 0";
        assertThat(ThreadTimes.times(stat)).containsExactly(731, 62);
        assertThat(ThreadTimes.name(stat)).isEqualTo("C2 Compiler) (x)");
    }

    @Test
    void switches_readBothCounts() {
        assertThat(ThreadTimes.switches(List.of("Name:\tjava", "voluntary_ctxt_switches:\t120", "nonvoluntary_ctxt_switches:\t7")))
                .containsExactly(120, 7);
    }

    @Test
    void since_groupsNumberedThreads_andCountsNewThreadsFromZero() {
        ThreadTimes before = new ThreadTimes(100, 10, Map.of(
                1L, new ThreadTimes.Task("ForkJoinPool-1-worker-1", 50, 5, 10, 1),
                2L, new ThreadTimes.Task("herald-sqlite-writer", 20, 2, 100, 0)));
        ThreadTimes after = new ThreadTimes(200, 30, Map.of(
                1L, new ThreadTimes.Task("ForkJoinPool-1-worker-1", 90, 10, 30, 2),
                2L, new ThreadTimes.Task("herald-sqlite-writer", 25, 12, 150, 0),
                3L, new ThreadTimes.Task("ForkJoinPool-1-worker-2", 40, 1, 5, 5)));

        List<ThreadTimes.Group> groups = after.since(before);

        assertThat(groups).containsExactly(
                new ThreadTimes.Group("ForkJoinPool-N-worker-N", 0.8, 0.06, 25, 6),
                new ThreadTimes.Group("herald-sqlite-writer", 0.05, 0.1, 50, 0));
        assertThat(after.userSeconds() - before.userSeconds()).isEqualTo(1.0);
    }

    @Test
    void read_ofThisProcess_findsItsThreads() {
        ThreadTimes t = ThreadTimes.read(ProcessHandle.current().pid());
        if (t != null) { // null off Linux
            assertThat(t.tasks()).isNotEmpty();
            assertThat(t.tasks().values()).anyMatch(task -> task.name().equals("main") || task.name().equals("java"));
        }
    }
}
