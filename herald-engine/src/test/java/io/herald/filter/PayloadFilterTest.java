package io.herald.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.HeraldException;
import io.herald.Json;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PayloadFilterTest {
    private static final String SCAN = """
            {"severity": 3, "score": 7.5, "alerts": 0, "warnings": 2, "tags": ["pci", "critical"],
             "host": {"name": "db1", "ip": "10.0.0.5"}, "owner": null, "passed": false,
             "huge": 123456789012345678901234567890}""";

    private static boolean matches(String expression, String payload) {
        return PayloadFilter.compile("filter", expression)
                .matches(PayloadFilter.subject("scan.finished", Set.of("prod", "campaign-42"), Json.read(payload)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "data.severity >= 3          | true",
            "data.severity >= 4          | false",
            "data.severity > 2           | true",
            "data.severity >= 2.5        | true",
            "data.severity >= 3.5        | false",
            "data.score >= 7             | true",
            "data.score > 7.5            | false",
            "data.severity == 3.0        | true",
            "data.huge > 1000            | true"})
    void matches_severityThresholds_intAndDecimalCompareAsNumbers(String expression, boolean expected) {
        assertThat(matches(expression, SCAN)).isEqualTo(expected);
    }

    @Test
    void matches_alertsOrWarnings() {
        String filter = "data.alerts > 0 || data.warnings > 0";
        assertThat(matches(filter, "{\"alerts\": 0, \"warnings\": 2}")).isTrue();
        assertThat(matches(filter, "{\"alerts\": 1, \"warnings\": 0}")).isTrue();
        assertThat(matches(filter, "{\"alerts\": 0, \"warnings\": 0}")).isFalse();
        assertThat(matches(filter, "{\"alerts\": 0}")).as("warnings missing").isFalse();
        assertThat(matches(filter, "{\"warnings\": 5}")).as("alerts missing, warnings decide").isTrue();
    }

    @Test
    void matches_hasGuard() {
        assertThat(matches("has(data.alerts) && data.alerts > 0", "{\"alerts\": 2}")).isTrue();
        assertThat(matches("has(data.alerts) && data.alerts > 0", "{}")).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "data.missing > 1",
            "!(data.missing > 1)",
            "data.host.missing.deeper == 1",
            "data.severity > 'a'",
            "data.tags[7] == 'x'",
            "data.severity / 0 == 1",
            "data.owner.name == 'x'",
            "data.host"})
    void matches_missingFieldOrEvaluationError_isFalseNotAnException(String expression) {
        assertThat(matches(expression, SCAN)).isFalse();
    }

    @Test
    void matches_typeChannelsNestedListsNullsAndBooleans() {
        assertThat(matches("type.startsWith('scan.')", SCAN)).isTrue();
        assertThat(matches("type == 'finding.created'", SCAN)).isFalse();
        assertThat(matches("'prod' in channels", SCAN)).isTrue();
        assertThat(matches("'staging' in channels", SCAN)).isFalse();
        assertThat(matches("data.tags.exists(t, t == 'critical')", SCAN)).isTrue();
        assertThat(matches("data.host.name == 'db1' && data.host.ip.startsWith('10.')", SCAN)).isTrue();
        assertThat(matches("data.owner == null", SCAN)).isTrue();
        assertThat(matches("!data.passed", SCAN)).isTrue();
        assertThat(PayloadFilter.compile("filter", "size(channels) == 0")
                .matches(PayloadFilter.subject("t", null, Json.read("{}")))).as("no channels is an empty list").isTrue();
    }

    @Test
    void compile_syntaxError_refusedWithLineAndColumn() {
        assertThatThrownBy(() -> PayloadFilter.compile("filter", "data.severity >= "))
                .isInstanceOfSatisfying(HeraldException.InvalidInput.class, e -> {
                    assertThat(e.field()).isEqualTo("filter");
                    assertThat(e.reason()).startsWith("line 1, column ");
                });
        assertThatThrownBy(() -> PayloadFilter.compile("filter", "data.a > 1 &&\n  (data.b > 2"))
                .isInstanceOfSatisfying(HeraldException.InvalidInput.class, e -> assertThat(e.reason()).contains("line 2"));
    }

    @Test
    void compile_unknownVariable_orNonBooleanResult_refused() {
        assertThatThrownBy(() -> PayloadFilter.compile("filter", "payload.severity > 3"))
                .isInstanceOfSatisfying(HeraldException.InvalidInput.class,
                        e -> assertThat(e.reason()).startsWith("line 1, column 1").contains("payload"));
        assertThatThrownBy(() -> PayloadFilter.compile("filter", "type + 'x'"))
                .isInstanceOfSatisfying(HeraldException.InvalidInput.class, e -> assertThat(e.reason()).contains("true or false"));
        assertThatThrownBy(() -> PayloadFilter.compile("filter", "  ")).isInstanceOf(HeraldException.InvalidInput.class);
        // 3,604 characters, within the length limit: refused for its size in expression nodes.
        assertThatThrownBy(() -> PayloadFilter.compile("filter", "true||".repeat(600) + "true"))
                .isInstanceOfSatisfying(HeraldException.InvalidInput.class,
                        e -> assertThat(e.reason()).doesNotContain("characters long"));
    }

    @Test
    void matches_runawayComprehension_isStoppedAndFalse() {
        StringBuilder items = new StringBuilder("{\"items\": [");
        for (int i = 0; i < 200; i++) {
            items.append(i == 0 ? "" : ",").append(i);
        }
        items.append("]}");
        // 200 × 200 = 40,000 iterations, beyond the 10,000 allowed.
        assertThat(matches("data.items.all(i, data.items.all(j, i + j >= 0))", items.toString())).isFalse();
        assertThat(matches("data.items.all(i, i >= 0)", items.toString())).isTrue();
    }

    @Test
    void cached_sameText_sameInstance() {
        assertThat(PayloadFilter.cached("data.severity >= 3")).isSameAs(PayloadFilter.cached("data.severity >= 3"));
        assertThatThrownBy(() -> PayloadFilter.cached("data.")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void matches_filterThatBuildsHugeStrings_isStoppedByItsBudget_andIsFalse() {
        // The probe's filter: 9,999 copies of 200 KB (2 GB) uncapped; an OutOfMemoryError before.
        String big = "x".repeat(100_000);
        String payload = "{\"s\": \"" + big + "\", \"a\": [" + "1,".repeat(9_998) + "1]}";
        PayloadFilter filter = PayloadFilter.compile("filter", "size(data.a.map(x, data.s + data.s)) > 0");

        long started = System.nanoTime();
        boolean passed = filter.matches(PayloadFilter.subject("t", null, Json.read(payload)));

        assertThat(passed).isFalse();
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isLessThan(java.time.Duration.ofSeconds(2));
        // The same shape within the budget passes: the cap is on what is produced, not on the shape.
        assertThat(filter.matches(PayloadFilter.subject("t", null, Json.read("{\"s\": \"ab\", \"a\": [1, 2]}")))).isTrue();
    }

    @Test
    void matches_nestedLoopsBeyondTheEvaluationBudget_isFalse() {
        // 2,000 x 2,000 steps: within the iteration cap of each loop, but millions of evaluations.
        String payload = "{\"a\": [" + "1,".repeat(1_999) + "1]}";
        PayloadFilter filter = PayloadFilter.compile("filter", "data.a.all(x, data.a.all(y, x == y || x != y))");

        assertThat(filter.matches(PayloadFilter.subject("t", null, Json.read(payload)))).isFalse();
        assertThat(filter.matches(PayloadFilter.subject("t", null, Json.read("{\"a\": [1, 2, 3]}")))).isTrue();
    }

    @Test
    void compile_threeMacrosInsideEachOthersLoops_refused_butChainedMacrosAreFine() {
        assertThatThrownBy(() -> PayloadFilter.compile("filter", "data.a.exists(x, data.a.exists(y, data.a.exists(z, z == 1)))"))
                .isInstanceOfSatisfying(HeraldException.InvalidInput.class, e -> {
                    assertThat(e.field()).isEqualTo("filter");
                    assertThat(e.reason()).startsWith("nests 3 macros");
                });

        PayloadFilter.compile("filter", "data.a.filter(x, x > 1).map(y, y * 2).exists(z, z > 3)");
        PayloadFilter.compile("filter", "data.a.exists(x, x.tags.exists(t, t == 'pci'))");
    }
}
