package io.herald.server;

import io.herald.delivery.Cidr;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One setting of the server, declared once: its variable, what it means, how it is read and
 * checked (the bounds it names in its errors), its default, and the flag of {@code herald serve}
 * that overrides it. {@link ServerConfig#SETTINGS} lists them all; the command line, {@code --help}
 * and the README's table are made from (or checked against) that list.
 *
 * @param <T> what the setting reads as
 */
public abstract class Setting<T> {
    private final String variable;
    private final String description;
    private final boolean secret;

    Setting(String variable, String description, boolean secret) {
        if (!variable.startsWith("HERALD_")) {
            throw new IllegalArgumentException(variable);
        }
        this.variable = variable;
        this.description = description;
        this.secret = secret;
    }

    /** The environment variable, e.g. {@code HERALD_LEASE_SECONDS}. */
    public String variable() {
        return variable;
    }

    /** What it means, one sentence, for {@code --help}. */
    public String description() {
        return description;
    }

    /** A secret is read from the environment only: a flag would show it to every user of {@code ps}. */
    public boolean secret() {
        return secret;
    }

    /** The flag of {@code herald serve}: the variable without its prefix, e.g. {@code --lease-seconds}. */
    public String flag() {
        return "--" + variable.substring("HERALD_".length()).toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The default, as an operator reads it. */
    public abstract String defaultText();

    /** The values allowed, as an operator reads them; empty when anything of the kind goes. */
    public String boundsText() {
        return "";
    }

    /** The value in {@code env}, or the default when unset or blank; a bad one names the variable. */
    public abstract T read(Map<String, String> env);

    String raw(Map<String, String> env) {
        String v = env.get(variable);
        return v == null || v.isBlank() ? null : v.strip();
    }

    ServerConfig.Invalid invalid(String problem) {
        if (problem.startsWith(variable)) {
            return new ServerConfig.Invalid(problem);
        }
        return new ServerConfig.Invalid(variable + (problem.startsWith(":") ? "" : " ") + problem);
    }

    /** A whole number within bounds. */
    static final class Whole extends Setting<Integer> {
        private final int dflt;
        private final int min;
        private final int max;
        private final String unit;

        Whole(String variable, String unit, String description, int dflt, int min, int max) {
            super(variable, description, false);
            this.dflt = dflt;
            this.min = min;
            this.max = max;
            this.unit = unit;
        }

        @Override
        public Integer read(Map<String, String> env) {
            String v = raw(env);
            if (v == null) {
                return dflt;
            }
            int n;
            try {
                n = Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw invalid("must be a whole number, got '" + v + "'");
            }
            if (n < min || n > max) {
                throw invalid("must be between " + min + " and " + max + ", got " + n);
            }
            return n;
        }

        @Override
        public String defaultText() {
            return Integer.toString(dflt);
        }

        @Override
        public String boundsText() {
            return min + "–" + max + (unit.isEmpty() ? "" : " " + unit);
        }
    }

    /** A duration given as a whole number of {@code unit}s. */
    static final class Time extends Setting<Duration> {
        private final Whole whole;
        private final Function<Integer, Duration> unit;

        Time(String variable, String unitName, Function<Integer, Duration> unit, String description, Duration dflt,
             Duration min, Duration max) {
            super(variable, description, false);
            long per = unit.apply(1).toMillis();
            this.whole = new Whole(variable, unitName, description, (int) (dflt.toMillis() / per), (int) (min.toMillis() / per),
                    (int) (max.toMillis() / per));
            this.unit = unit;
        }

        static Time seconds(String variable, String description, Duration dflt, Duration min, Duration max) {
            return new Time(variable, "s", s -> Duration.ofSeconds(s), description, dflt, min, max);
        }

        static Time days(String variable, String description, Duration dflt, Duration min, Duration max) {
            return new Time(variable, "days", d -> Duration.ofDays(d), description, dflt, min, max);
        }

        @Override
        public Duration read(Map<String, String> env) {
            return unit.apply(whole.read(env));
        }

        @Override
        public String defaultText() {
            return whole.defaultText();
        }

        @Override
        public String boundsText() {
            return whole.boundsText();
        }
    }

    /** Milliseconds within bounds, or null when unset: someone else's default then applies. */
    static final class OptionalMillis extends Setting<Duration> {
        private final Whole whole;
        private final String dfltText;

        OptionalMillis(String variable, String description, String defaultText, Duration max) {
            super(variable, description, false);
            this.whole = new Whole(variable, "ms", description, 0, 0, (int) max.toMillis());
            this.dfltText = defaultText;
        }

        @Override
        public Duration read(Map<String, String> env) {
            return raw(env) == null ? null : Duration.ofMillis(whole.read(env));
        }

        @Override
        public String defaultText() {
            return dfltText;
        }

        @Override
        public String boundsText() {
            return whole.boundsText();
        }
    }

    /** true or false (also 1/0, yes/no). */
    static final class Flag extends Setting<Boolean> {
        private final boolean dflt;

        Flag(String variable, String description, boolean dflt) {
            super(variable, description, false);
            this.dflt = dflt;
        }

        @Override
        public Boolean read(Map<String, String> env) {
            String v = raw(env);
            if (v == null) {
                return dflt;
            }
            return switch (v.toLowerCase(Locale.ROOT)) {
                case "true", "1", "yes" -> true;
                case "false", "0", "no" -> false;
                default -> throw invalid("must be true or false, got '" + v + "'");
            };
        }

        @Override
        public String defaultText() {
            return Boolean.toString(dflt);
        }

        @Override
        public String boundsText() {
            return "true or false";
        }
    }

    /** Text, checked by {@code check} (which throws IllegalArgumentException saying what is wrong); null when unset. */
    static final class Text<T> extends Setting<T> {
        private final String dfltText;
        private final String bounds;
        private final Function<String, T> check;
        private final T dflt;

        Text(String variable, String description, boolean secret, String defaultText, String bounds, T dflt,
             Function<String, T> check) {
            super(variable, description, secret);
            this.dfltText = defaultText;
            this.bounds = bounds;
            this.dflt = dflt;
            this.check = check;
        }

        static Text<String> plain(String variable, String description, String defaultText, String dflt) {
            return new Text<>(variable, description, false, defaultText, "", dflt, s -> s);
        }

        @Override
        public T read(Map<String, String> env) {
            String v = raw(env);
            if (v == null) {
                return dflt;
            }
            try {
                return check.apply(v);
            } catch (IllegalArgumentException e) {
                throw invalid(e.getMessage());
            }
        }

        @Override
        public String defaultText() {
            return dfltText;
        }

        @Override
        public String boundsText() {
            return bounds;
        }
    }

    /** One of a few words. */
    static Text<String> choice(String variable, String description, String dflt, List<String> words) {
        return new Text<>(variable, description, false, dflt, String.join(" or ", words), dflt, v -> {
            if (!words.contains(v)) {
                throw new IllegalArgumentException("must be " + String.join(" or ", words) + ", got '" + v + "'");
            }
            return v;
        });
    }

    /** A CSP source that names where a frame may be: {@code 'self'}, a scheme ({@code https:}) or a host, with scheme, port, path. */
    private static final Pattern FRAME_SOURCE = Pattern.compile(
            "'self'|[a-z][a-z0-9+.-]*:|([a-z][a-z0-9+.-]*://)?(\\*\\.)?[a-z0-9-]+(\\.[a-z0-9-]+)*(:([0-9]{1,5}|\\*))?(/[^\\s;,'\"]*)?",
            Pattern.CASE_INSENSITIVE);

    /**
     * Space-separated CSP sources for {@code frame-ancestors}; none when unset. Only sources that
     * name pages are taken ({@code 'self'}, schemes, hosts): a quote, semicolon or comma could
     * change the policy itself, and {@code 'none'} is what unset means.
     */
    static Text<List<String>> frameSources(String variable, String description) {
        return new Text<>(variable, description, false, "none ('none')",
                "space-separated CSP sources, e.g. https://app.example.com 'self'", List.of(), v -> {
                    List<String> out = new ArrayList<>();
                    for (String part : v.split("\\s+")) {
                        if (part.isEmpty()) {
                            continue;
                        }
                        if (!FRAME_SOURCE.matcher(part).matches()) {
                            throw new IllegalArgumentException(": '" + part + "' is not a frame-ancestors source "
                                    + "(expected e.g. https://app.example.com, https://*.example.com or 'self')");
                        }
                        out.add(part);
                    }
                    return List.copyOf(out);
                });
    }

    /** Comma-separated CIDR ranges (a bare address is one host); none when unset. */
    static Text<List<Cidr>> cidrs(String variable, String description) {
        return new Text<>(variable, description, false, "none", "comma-separated CIDRs, e.g. 127.0.0.1/32,10.0.0.0/8",
                List.of(), v -> {
                    List<Cidr> out = new ArrayList<>();
                    for (String part : v.split(",")) {
                        if (part.isBlank()) {
                            continue;
                        }
                        try {
                            out.add(Cidr.parse(part));
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException(": " + e.getMessage() + " (expected e.g. 127.0.0.1/32,10.0.0.0/8)");
                        }
                    }
                    return List.copyOf(out);
                });
    }
}
