package io.herald.metrics;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of Prometheus' text exposition format (0.0.4), for tests: every line is a
 * {@code # HELP}, a {@code # TYPE} or a sample; names and label names follow the format's grammar;
 * label values use only its escapes; a family's TYPE comes once and before its samples; a series
 * appears once; a histogram's buckets are cumulative, end at {@code +Inf} and match its count.
 * Anything else throws.
 */
final class PrometheusText {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** Series (name with its labels sorted, e.g. {@code a_total{x="1"}}) to value. */
    final Map<String, Double> samples = new LinkedHashMap<>();
    /** Family name to type. */
    final Map<String, String> types = new HashMap<>();

    static PrometheusText parse(String text) {
        PrometheusText p = new PrometheusText();
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("the exposition must end with a newline");
        }
        Set<String> helped = new HashSet<>();
        Set<String> sampled = new HashSet<>();
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isEmpty()) {
                continue;
            }
            try {
                if (line.startsWith("#")) {
                    String[] parts = line.split(" ", 4);
                    if (parts.length >= 3 && parts[1].equals("HELP")) {
                        name(parts[2]);
                        if (!helped.add(parts[2])) {
                            throw new IllegalArgumentException("second HELP for " + parts[2]);
                        }
                    } else if (parts.length == 4 && parts[1].equals("TYPE")) {
                        name(parts[2]);
                        if (!TYPES.contains(parts[3])) {
                            throw new IllegalArgumentException("unknown type " + parts[3]);
                        }
                        if (p.types.put(parts[2], parts[3]) != null) {
                            throw new IllegalArgumentException("second TYPE for " + parts[2]);
                        }
                        if (sampled.contains(parts[2])) {
                            throw new IllegalArgumentException("TYPE after samples of " + parts[2]);
                        }
                    } else if (!line.startsWith("# ")) {
                        throw new IllegalArgumentException("bad comment");
                    }
                    continue;
                }
                p.sample(line, sampled);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("line " + n + " (" + line + "): " + e.getMessage(), e);
            }
        }
        p.checkHistograms();
        return p;
    }

    private static void name(String s) {
        if (!NAME.matcher(s).matches()) {
            throw new IllegalArgumentException("bad metric name " + s);
        }
    }

    private void sample(String line, Set<String> sampled) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        name(name);
        Map<String, String> labels = new TreeMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String label = line.substring(i, eq);
                if (!LABEL.matcher(label).matches()) {
                    throw new IllegalArgumentException("bad label name " + label);
                }
                if (line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("label value must be quoted");
                }
                StringBuilder v = new StringBuilder();
                int j = eq + 2;
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char e = line.charAt(++j);
                        v.append(switch (e) {
                            case '\\' -> '\\';
                            case '"' -> '"';
                            case 'n' -> '\n';
                            default -> throw new IllegalArgumentException("bad escape \\" + e);
                        });
                    } else {
                        v.append(c);
                    }
                }
                if (labels.put(label, v.toString()) != null) {
                    throw new IllegalArgumentException("label " + label + " twice");
                }
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                } else if (line.charAt(i) != '}') {
                    throw new IllegalArgumentException("expected , or } at " + i);
                }
            }
            i++;
        }
        if (line.charAt(i) != ' ') {
            throw new IllegalArgumentException("expected a space before the value");
        }
        String[] rest = line.substring(i + 1).split(" ", -1);
        if (rest.length > 2) {
            throw new IllegalArgumentException("trailing text");
        }
        double value = value(rest[0]);
        if (rest.length == 2) {
            Long.parseLong(rest[1]);
        }
        String family = family(name);
        if (!types.containsKey(family)) {
            throw new IllegalArgumentException("sample of " + name + " before a TYPE of its family");
        }
        sampled.add(family);
        StringBuilder key = new StringBuilder(name);
        if (!labels.isEmpty()) {
            key.append('{');
            labels.forEach((k, v) -> key.append(k).append("=\"").append(v).append("\","));
            key.setLength(key.length() - 1);
            key.append('}');
        }
        if (samples.put(key.toString(), value) != null) {
            throw new IllegalArgumentException("series " + key + " twice");
        }
    }

    private String family(String name) {
        if (types.containsKey(name)) {
            return name;
        }
        for (String suffix : new String[] {"_total", "_created", "_bucket", "_count", "_sum", "_info"}) {
            if (name.endsWith(suffix) && types.containsKey(name.substring(0, name.length() - suffix.length()))) {
                return name.substring(0, name.length() - suffix.length());
            }
        }
        return name;
    }

    private static double value(String s) {
        return switch (s) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(s);
        };
    }

    private void checkHistograms() {
        types.forEach((family, type) -> {
            if (!type.equals("histogram")) {
                return;
            }
            Map<String, TreeMap<Double, Double>> buckets = new HashMap<>();
            samples.forEach((key, v) -> {
                if (key.startsWith(family + "_bucket{")) {
                    Matcher m = Pattern.compile("le=\"([^\"]+)\"").matcher(key);
                    if (!m.find()) {
                        throw new IllegalArgumentException(key + ": a bucket without le");
                    }
                    String others = key.substring(0, m.start()) + key.substring(m.end());
                    buckets.computeIfAbsent(others, k -> new TreeMap<>()).put(value(m.group(1)), v);
                }
            });
            if (buckets.isEmpty()) {
                throw new IllegalArgumentException("histogram " + family + " has no buckets");
            }
            buckets.forEach((series, b) -> {
                double previous = 0;
                for (double count : b.values()) {
                    if (count < previous) {
                        throw new IllegalArgumentException(series + ": buckets are not cumulative");
                    }
                    previous = count;
                }
                if (b.lastKey() != Double.POSITIVE_INFINITY) {
                    throw new IllegalArgumentException(series + ": no +Inf bucket");
                }
            });
            Double count = samples.get(family + "_count");
            if (count != null && buckets.size() == 1 && !count.equals(buckets.values().iterator().next().lastEntry().getValue())) {
                throw new IllegalArgumentException(family + ": +Inf bucket differs from _count");
            }
        });
    }

    /** The samples of the family {@code name}, keyed by their series (name and labels). */
    Map<String, Double> series(String name) {
        Map<String, Double> out = new LinkedHashMap<>();
        samples.forEach((series, value) -> {
            if (series.equals(name) || series.startsWith(name + "{")) {
                out.put(series, value);
            }
        });
        return out;
    }

    double get(String series) {
        Double v = samples.get(series);
        if (v == null) {
            throw new AssertionError("no series " + series + " in " + samples.keySet());
        }
        return v;
    }

    /** The value, 0 when the series is not there yet (a labelled counter appears at its first increment). */
    double getOrZero(String series) {
        return samples.getOrDefault(series, 0.0);
    }
}
