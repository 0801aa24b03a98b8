package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ReportTest {
    @Test
    void table_oneColumnPerJar_ceilingInEveryColumn_ratiosAgainstTheFirst() {
        Outcome ceiling = new Outcome("ceiling", null).row("ceiling", "requests/s", "40,000", "");
        ceiling.harnessCpuSeconds = 9.5;
        ceiling.wallSeconds = 12;
        Outcome a = new Outcome("throughput", "A").row("throughput", "sustained/s", "2,000", "≥ 5,000");
        Outcome b = new Outcome("throughput", "B").row("throughput", "sustained/s", "3,000", "≥ 5,000");
        b.error = "IllegalStateException: boom";
        String table = Report.table(List.of(ceiling, a, b), List.of("A", "B"));
        List<String> lines = table.lines().toList();
        assertThat(lines.getFirst()).matches("\\| scenario +\\| figure +\\| A +\\| B +\\| B/A +\\| target +\\|");
        assertThat(lines.get(1)).matches("\\|[- |]+\\|");
        // Measured without Herald: the same in every column, and no ratio.
        assertThat(lines).anyMatch(l -> l.matches("\\| ceiling +\\| requests/s +\\| 40,000 +\\| 40,000 +\\| +\\| +\\|"));
        assertThat(lines).anyMatch(l -> l.matches("\\| throughput +\\| sustained/s +\\| 2,000 +\\| 3,000 +\\| 1.50× +\\| ≥ 5,000 \\|"));
        assertThat(lines).anyMatch(l -> l.contains("| error") && l.contains("IllegalStateException: boom"));
        assertThat(lines).anyMatch(l -> l.contains("CPU s harness / Herald (wall s)") && l.contains("9.5 / - (12)"));
        // Every line is as wide as the header: the columns line up.
        assertThat(lines).allMatch(l -> l.length() == lines.getFirst().length());
    }

    @Test
    void table_oneJar_hasNoRatioColumn() {
        Outcome a = new Outcome("closed", "A").row("closed", "publishes/s", "900", "");
        assertThat(Report.table(List.of(a), List.of("A")).lines().findFirst().orElseThrow())
                .matches("\\| scenario +\\| figure +\\| A +\\| target +\\|");
    }

    @Test
    void ratio_partByPart_onlyForNumbersOfTheSameShape() {
        assertThat(Report.ratio("2,000", "3,000")).isEqualTo("1.50×");
        assertThat(Report.ratio("1.10 / 10.0 / 31", "2.20 / 5.00 / 31")).isEqualTo("2.00× / 0.50× / 1.00×");
        assertThat(Report.ratio("5.1 %", "10.2 %")).isEqualTo("2.00×");
        assertThat(Report.ratio("0 / 4", "3 / 2")).isEqualTo("n/a / 0.50×");
        assertThat(Report.ratio("none", "2,000")).isEmpty();
        assertThat(Report.ratio("1 / 2", "1")).isEmpty();
        assertThat(Report.ratio("250+ 500-", "250+ 500+")).isEmpty();
        assertThat(Report.ratio("2,000", "")).isEmpty();
    }

    @Test
    void formats_roundAndGroup() {
        assertThat(Report.count(12_345.6)).isEqualTo("12,346");
        assertThat(Report.count(Double.NaN)).isEqualTo("n/a");
        assertThat(Report.percent(0.4567)).isEqualTo("45.7 %");
        assertThat(Report.ms(3.14159)).isEqualTo("3.14");
        assertThat(Report.ms(31.4159)).isEqualTo("31.4");
        assertThat(Report.ms(1_314.159)).isEqualTo("1,314");
        assertThat(Report.round(Double.NaN, 2)).isNull();
        assertThat(Report.clean(1.23456)).isEqualTo(1.235);
    }

    @Test
    void latency_percentilesFromMicroseconds() {
        Histogram h = new Histogram(3);
        for (int i = 1; i <= 100; i++) {
            h.recordValue(i * 1_000L); // 1 ms .. 100 ms
        }
        Latency l = Latency.of(h, 2);
        assertThat(l.count()).isEqualTo(100);
        assertThat(l.missing()).isEqualTo(2);
        // HdrHistogram keeps 3 significant digits: values come back within 0.1 %.
        assertThat(l.p50Ms()).isCloseTo(50.0, within(0.05));
        assertThat(l.p90Ms()).isCloseTo(90.0, within(0.09));
        assertThat(l.p99Ms()).isCloseTo(99.0, within(0.1));
        assertThat(l.maxMs()).isCloseTo(100.0, within(0.1));
        assertThat(l.brief()).isEqualTo("50.0 / 99.0 / 100");
        assertThat(Latency.of(new Histogram(3), 5).toMap()).containsEntry("p99Ms", null).containsEntry("missing", 5L);
    }

    @Test
    void writeJson_writesReadableJsonWithNullForNaN(@TempDir Path dir) throws Exception {
        Outcome o = new Outcome("latency", "A").put("p99", Double.NaN).put("rate", 1_000).put("share", 0.123456);
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("sizes", Sizes.QUICK);
        results.put("scenarios", List.of(o.toMap()));
        Path file = dir.resolve("nested/run.json");
        Report.writeJson(file, results);
        JsonNode read = JsonMapper.builder().build().readTree(Files.readString(file));
        JsonNode figures = read.get("scenarios").get(0).get("figures");
        assertThat(figures.get("p99").isNull()).isTrue();
        assertThat(figures.get("rate").asInt()).isEqualTo(1_000);
        assertThat(figures.get("share").asDouble()).isEqualTo(0.123);
        assertThat(read.get("sizes").get("backlog").asLong()).isEqualTo(Sizes.QUICK.backlog());
    }

    @Test
    void jfrTop_listsTheLargestCountsFirstAsShares() {
        assertThat(JfrSummary.top(Map.of("a", 1L, "b", 3L), 4)).containsExactly(" 75.0 % b", " 25.0 % a");
    }
}
