package io.herald.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** The results file (JSON) and the table on stdout, and the number formats they share. */
final class Report {
    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private Report() {}

    static void writeJson(Path file, Map<String, Object> results) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, JSON.writeValueAsString(results) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * The table: one line per figure, one value column per jar (A, B, …), and with several jars a
     * ratio column for each later jar against the first (B/A, …) where both values are numbers, or
     * as many numbers joined by " / " (each part gets its ratio). A figure measured without Herald
     * (the ceiling) shows in every column, with no ratio.
     */
    static String table(List<Outcome> outcomes, List<String> jars) {
        Map<String, Outcome.Row> first = new LinkedHashMap<>();
        Map<String, Map<String, String>> values = new LinkedHashMap<>();
        Set<String> withoutHerald = new HashSet<>();
        for (Outcome o : outcomes) {
            List<Outcome.Row> rows = new ArrayList<>(o.rows);
            if (o.error != null) {
                rows.add(new Outcome.Row(o.scenario, "error", o.error, ""));
            }
            rows.add(new Outcome.Row(o.scenario, "CPU s harness / Herald (wall s)",
                    fixed(o.harnessCpuSeconds, 1) + " / " + (o.jar == null ? "-" : fixed(o.heraldCpuSeconds, 1))
                            + " (" + fixed(o.wallSeconds, 0) + ")", ""));
            for (Outcome.Row r : rows) {
                String key = r.scenario() + "\u0000" + r.figure();
                first.putIfAbsent(key, r);
                Map<String, String> byJar = values.computeIfAbsent(key, k -> new LinkedHashMap<>());
                if (o.jar == null) {
                    withoutHerald.add(key);
                    jars.forEach(j -> byJar.put(j, r.value()));
                } else {
                    byJar.put(o.jar, r.value());
                }
            }
        }
        List<String> header = new ArrayList<>(List.of("scenario", "figure"));
        header.addAll(jars);
        List<String> compared = jars.subList(Math.min(1, jars.size()), jars.size());
        compared.forEach(j -> header.add(j + "/" + jars.getFirst()));
        header.add("target");
        List<List<String>> lines = new ArrayList<>();
        for (Map.Entry<String, Outcome.Row> e : first.entrySet()) {
            List<String> line = new ArrayList<>(List.of(e.getValue().scenario(), e.getValue().figure()));
            Map<String, String> byJar = values.get(e.getKey());
            for (String j : jars) {
                line.add(byJar.getOrDefault(j, ""));
            }
            for (String j : compared) {
                line.add(withoutHerald.contains(e.getKey()) ? ""
                        : ratio(byJar.getOrDefault(jars.getFirst(), ""), byJar.getOrDefault(j, "")));
            }
            line.add(e.getValue().target() == null ? "" : e.getValue().target());
            lines.add(line);
        }
        return markdown(header, lines);
    }

    private static final Pattern NUMBER = Pattern.compile("-?[0-9][0-9,]*(\\.[0-9]+)?( %)?");

    /**
     * {@code other ÷ base} as "1.23×", part by part for values like "1.2 / 3.4"; empty when the two
     * are not numbers in the same shape, n/a for a part whose base is 0.
     */
    static String ratio(String base, String other) {
        String[] b = base.split(" / ");
        String[] o = other.split(" / ");
        if (b.length != o.length) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < b.length; i++) {
            if (!NUMBER.matcher(b[i].strip()).matches() || !NUMBER.matcher(o[i].strip()).matches()) {
                return "";
            }
            double x = Double.parseDouble(b[i].strip().replace(",", "").replace(" %", ""));
            double y = Double.parseDouble(o[i].strip().replace(",", "").replace(" %", ""));
            parts.add(x == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f×", y / x));
        }
        return String.join(" / ", parts);
    }

    static String markdown(List<String> header, List<List<String>> lines) {
        int[] width = new int[header.size()];
        for (int i = 0; i < width.length; i++) {
            width[i] = header.get(i).length();
            for (List<String> l : lines) {
                width[i] = Math.max(width[i], l.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        appendLine(sb, header, width);
        List<String> rule = new ArrayList<>();
        for (int w : width) {
            rule.add("-".repeat(w));
        }
        appendLine(sb, rule, width);
        for (List<String> l : lines) {
            appendLine(sb, l, width);
        }
        return sb.toString();
    }

    private static void appendLine(StringBuilder sb, List<String> cells, int[] width) {
        sb.append('|');
        for (int i = 0; i < cells.size(); i++) {
            sb.append(' ').append(cells.get(i)).append(" ".repeat(width[i] - cells.get(i).length())).append(" |");
        }
        sb.append('\n');
    }

    /** 12,345 */
    static String count(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,d", Math.round(v));
    }

    /** A fixed number of decimals, n/a for NaN. */
    static String fixed(double v, int decimals) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    /** 12.3 % */
    static String percent(double ratio) {
        return Double.isNaN(ratio) ? "n/a" : String.format(Locale.ROOT, "%.1f %%", ratio * 100);
    }

    /** Milliseconds with two significant decimals below 10, one below 100, none above. */
    static String ms(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        return v < 10 ? fixed(v, 2) : v < 100 ? fixed(v, 1) : fixed(v, 0);
    }

    static Double round(double v, int decimals) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return null;
        }
        double f = Math.pow(10, decimals);
        return Math.round(v * f) / f;
    }

    /** A figure as it goes into JSON: doubles rounded to 3 decimals, NaN and infinity as null. */
    static Object clean(Object value) {
        if (value instanceof Double d) {
            return round(d, 3);
        }
        if (value instanceof Float f) {
            return round(f, 3);
        }
        return value;
    }
}
