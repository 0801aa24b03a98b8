package io.herald.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one scenario measured for one jar (the ceiling has no jar): its figures for the results
 * file, its lines for the table, and what the run cost the machine.
 */
final class Outcome {
    /** One line of the table: a figure of a scenario, its value, and the target it is held to, if any. */
    record Row(String scenario, String figure, String value, String target) {}

    final String scenario;
    final String jar;
    final Map<String, Object> figures = new LinkedHashMap<>();
    final List<Row> rows = new ArrayList<>();
    final List<Map<String, Object>> profiles = new ArrayList<>();
    String error;
    double wallSeconds;
    double harnessCpuSeconds;
    double heraldCpuSeconds;

    Outcome(String scenario, String jar) {
        this.scenario = scenario;
        this.jar = jar;
    }

    Outcome put(String name, Object value) {
        figures.put(name, Report.clean(value));
        return this;
    }

    Outcome row(String scenario, String figure, String value, String target) {
        rows.add(new Row(scenario, figure, value, target));
        return this;
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario", scenario);
        m.put("jar", jar);
        if (error != null) {
            m.put("error", error);
        }
        m.put("wallSeconds", Report.round(wallSeconds, 1));
        m.put("harnessCpuSeconds", Report.round(harnessCpuSeconds, 1));
        m.put("heraldCpuSeconds", Report.round(heraldCpuSeconds, 1));
        m.put("figures", figures);
        if (!profiles.isEmpty()) {
            m.put("jfr", profiles);
        }
        return m;
    }
}
