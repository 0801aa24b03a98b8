package io.herald.bench.micro;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class PublishParseBenchTest {
    private static PublishParseBench bench(String size) {
        PublishParseBench bench = new PublishParseBench();
        bench.size = size;
        bench.setUp();
        return bench;
    }

    @Test
    void parse_1KiB_theWholeFinding() {
        PublishParseBench bench = bench("1KiB");
        JsonNode tree = bench.parse();

        assertThat(bench.payload.getBytes(StandardCharsets.UTF_8)).hasSizeBetween(1000, 1100);
        assertThat(tree.get("findingId").asString()).isEqualTo("fnd_8Kq3Zt1Lw");
        assertThat(tree.get("severity").doubleValue()).isEqualTo(9.6);
        assertThat(tree.get("packages").size()).isEqualTo(3);
        assertThat(tree.get("scanner").get("policy").asString()).isEqualTo("production-images");
    }

    @Test
    void parse_64KiB_theWholeReport() {
        PublishParseBench bench = bench("64KiB");
        JsonNode tree = bench.parse();

        assertThat(bench.payload.getBytes(StandardCharsets.UTF_8)).hasSizeBetween(64 * 1024, 65 * 1024);
        JsonNode findings = tree.get("findings");
        assertThat(findings.size()).isGreaterThan(200);
        JsonNode last = findings.get(findings.size() - 1);
        assertThat(last.get("id").asString()).isEqualTo("fnd_%05d".formatted(findings.size() - 1));
        assertThat(last.get("request").asString()).endsWith("?q=%3Cscript%3E");
    }
}
