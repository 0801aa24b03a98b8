package io.herald.bench.micro;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.openjdk.jmh.annotations.Param;

class FilterBenchTest {
    private final FilterBench bench = new FilterBench();

    private static FilterBench.Published published(String event) {
        FilterBench.Published p = new FilterBench.Published();
        p.event = event;
        p.setUp();
        return p;
    }

    private static FilterBench.Compiled compiled(String filter) {
        FilterBench.Compiled c = new FilterBench.Compiled();
        c.filter = filter;
        c.setUp();
        return c;
    }

    @Test
    void params_everyFilterHasAnExpression() throws NoSuchFieldException {
        String[] filters = FilterBench.Compiled.class.getField("filter").getAnnotation(Param.class).value();

        assertThat(filters).containsExactlyInAnyOrderElementsOf(FilterBench.FILTERS.keySet());
    }

    @ParameterizedTest
    @CsvSource({
            "severity,       critical, true",
            "severity,       low,      false",
            "typeAndChannel, critical, true",
            "typeAndChannel, low,      false",
            "packageExists,  critical, true",
            "packageExists,  low,      false"})
    void matches_criticalPassesLowDoesNot(String filter, String event, boolean expected) {
        FilterBench.Compiled c = compiled(filter);
        FilterBench.Published p = published(event);

        assertThat(bench.matches(c, p)).isEqualTo(expected);
        // The subject the other benchmark builds is the same one.
        p.subject = bench.subject(p);
        assertThat(bench.matches(c, p)).isEqualTo(expected);
    }
}
