package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PerfCountsTest {
    @Test
    void parse_readsCountsByEvent_andLeavesOutWhatPerfCouldNotCount() {
        String csv = """
                # started on Tue Dec  2 09:27:44 2026

                138687,,context-switches,17199545271,100.00,8.065,K/sec
                8258,,syscalls:sys_enter_fsync,17198966348,100.00,480.218,/sec
                <not supported>,,syscalls:sys_enter_fdatasync,0,100.00,,
                """;
        assertThat(PerfCounts.parse(csv)).containsExactly(
                java.util.Map.entry("context-switches", 138_687L), java.util.Map.entry("fsync", 8_258L));
    }
}
