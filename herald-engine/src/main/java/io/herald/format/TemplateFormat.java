package io.herald.format;

import com.samskivert.mustache.BasicCollector;
import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.MustacheException;
import com.samskivert.mustache.Template;
import io.herald.BudgetExceeded;
import io.herald.Json;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * A Mustache template (jmustache) of the spec's {@code template}, sent as its {@code contentType}
 * (default {@code application/json}).
 *
 * <p>Context: {@code id} (message id), {@code type}, {@code timestamp} (ISO-8601), {@code eventId},
 * {@code channels} (a sorted list, empty when none), {@code app} (the application: {@code app.id},
 * {@code app.uid}, {@code app.name}), {@code tenant} (the application's uid, else its id, as the
 * envelope writes it) and {@code data}, the payload as maps and lists: {@code {{data.title}}},
 * {@code {{data.alerts.0}}}, {@code {{#data.tags}}{{.}}{{/data.tags}}}.
 *
 * <p>{@code {{x}}} writes the value escaped for the inside of a JSON string (quotes, backslashes,
 * control characters, U+2028 and U+2029) without surrounding quotes, so {@code "{{data.title}}"} in a
 * JSON template is always a valid string. Objects and arrays are written as compact JSON (then
 * escaped, inside {@code {{ }}}), numbers and booleans as JSON literals. {@code {{{x}}}} and
 * {@code {{&x}}} write the same text unescaped: {@code {{{data}}}} is the payload as JSON, but a
 * string comes out raw, without quotes. A missing or null value writes nothing; an empty string is
 * false in a section.
 *
 * <p>Not guaranteed: that the output is valid JSON. A template that writes {@code {{{data.title}}}}
 * into a JSON string, or {@code {{data.count}}} where a number is expected and the member is
 * missing, produces invalid JSON; Herald does not check the rendered body.
 *
 * <p>Budget: a rendering writes at most {@link #RENDERED_MAX_CHARS} characters and runs at most
 * {@link #RENDER_MAX_STEPS} steps (section iterations and variables); past either it stops with {@link BudgetExceeded},
 * which fails that attempt with the reason. What a template costs depends on the payload, so it
 * is not refused when saved.
 *
 * <p>Only maps, lists and plain values are reachable: the context offers no Java objects, so a
 * template cannot call methods ({@code {{data.title.length}}} is missing, not 5).
 */
final class TemplateFormat implements Format {
    static final int TEMPLATE_MAX_BYTES = 64 * 1024;
    static final String DEFAULT_CONTENT_TYPE = "application/json";
    static final int CONTENT_TYPE_MAX = 255;
    /**
     * A rendered body may hold at most this many characters (2 Mi): twice the largest payload, so
     * {@code {{{data}}}} in an envelope fits, while three nested sections over a 1 KB payload (98 MB)
     * stop here instead of filling the heap.
     */
    static final int RENDERED_MAX_CHARS = 2 * 1024 * 1024;
    /** A rendering may take at most this many steps: section iterations and variables written. */
    static final long RENDER_MAX_STEPS = 1_000_000;
    private static final ThreadLocal<RenderBudget> BUDGET = new ThreadLocal<>();

    // RFC 9110 media-type: token "/" token *( OWS ";" OWS token "=" ( token / quoted-string ) )
    private static final String TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
    private static final String QUOTED = "\"(?:[\\t\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\t\\x20-\\x7e])*\"";
    private static final Pattern MEDIA_TYPE = Pattern.compile(
            TOKEN + "/" + TOKEN + "(?:[ \\t]*;[ \\t]*" + TOKEN + "=(?:" + TOKEN + "|" + QUOTED + "))*");

    private static final Mustache.Compiler COMPILER = Mustache.compiler()
            .withEscaper(TemplateFormat::jsonEscape)
            .withFormatter(TemplateFormat::format)
            .withCollector(new MapsAndLists())
            .defaultValue("")
            .emptyStringIsFalse(true);

    private final String template;
    private final String contentType;
    private final Template compiled;

    private TemplateFormat(String template, String contentType, Template compiled) {
        this.template = template;
        this.contentType = contentType;
        this.compiled = compiled;
    }

    static TemplateFormat parse(SpecReader spec) {
        String template = spec.optionalString("template")
                .orElseThrow(() -> spec.invalid("template", "is required for the \"template\" format"));
        int bytes = template.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > TEMPLATE_MAX_BYTES) {
            throw spec.invalid("template", "must be at most " + TEMPLATE_MAX_BYTES + " bytes (UTF-8), was " + bytes);
        }
        String contentType = spec.optionalString("contentType").orElse(DEFAULT_CONTENT_TYPE).strip();
        if (contentType.length() > CONTENT_TYPE_MAX || !MEDIA_TYPE.matcher(contentType).matches()) {
            throw spec.invalid("contentType", "must be a media type such as \"application/json\" or "
                    + "\"text/plain; charset=utf-8\"");
        }
        TemplateScanner.check(template).ifPresent(p -> {
            throw spec.invalid("template", p.toString());
        });
        Template compiled;
        try {
            compiled = COMPILER.compile(template);
        } catch (RuntimeException e) {
            // The scanner catches what it knows; anything else jmustache refuses is reported as is.
            throw spec.invalid("template", "does not compile: " + e.getMessage());
        }
        return new TemplateFormat(template, contentType, compiled);
    }

    @Override
    public Rendered render(Event event) {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("id", event.id());
        context.put("type", event.type());
        context.put("timestamp", Text.iso(event.timestamp()));
        context.put("eventId", event.eventId());
        context.put("channels", event.channels() == null ? List.of() : List.copyOf(event.channels()));
        Map<String, Object> app = new LinkedHashMap<>();
        app.put("id", event.app().id());
        app.put("uid", event.app().uid());
        app.put("name", event.app().name());
        context.put("app", app);
        context.put("tenant", event.app().tenant());
        // Read straight into maps, lists, strings, numbers, booleans and nulls.
        context.put("data", Json.MAPPER.readValue(event.payload(), Object.class));
        RenderBudget budget = new RenderBudget(RENDERED_MAX_CHARS, RENDER_MAX_STEPS);
        BUDGET.set(budget);
        try {
            compiled.execute(context, budget);
        } catch (MustacheException e) {
            // jmustache may wrap what a section's iterator or the writer throws.
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof BudgetExceeded b) {
                    throw b;
                }
            }
            throw e;
        } finally {
            BUDGET.remove();
        }
        return Rendered.utf8(budget.text(), contentType);
    }

    static String format(Object value) {
        // Every variable written counts as a step too: a template may hold thousands of them in
        // one section, and a lookup costs more than an iteration.
        RenderBudget budget = BUDGET.get();
        if (budget != null) {
            budget.step();
        }
        if (value == null) {
            return "";
        }
        if (value instanceof String s) {
            return s;
        }
        return Json.write(value);
    }

    /** Escapes {@code raw} for the inside of a JSON string literal. */
    static String jsonEscape(String raw) {
        StringBuilder out = null;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            String escape = switch (c) {
                case '"' -> "\\\"";
                case '\\' -> "\\\\";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                case '\b' -> "\\b";
                case '\f' -> "\\f";
                // Valid in JSON, but line terminators in JavaScript before ES2019.
                case '\u2028' -> "\\u2028";
                case '\u2029' -> "\\u2029";
                default -> c < 0x20 ? String.format("\\u%04x", (int) c) : null;
            };
            if (escape != null && out == null) {
                out = new StringBuilder(raw.length() + 16).append(raw, 0, i);
            }
            if (out != null) {
                if (escape != null) {
                    out.append(escape);
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? raw : out.toString();
    }

    /**
     * Reaches into maps and lists only. jmustache's default collector also calls methods and reads
     * fields by reflection, which a template written by an API user has no business doing.
     */
    private static final class MapsAndLists extends BasicCollector {
        @Override
        public <K, V> Map<K, V> createFetcherCache() {
            return new ConcurrentHashMap<>(); // templates render on many threads at once
        }

        /** Every section over a list counts its iterations against the rendering's budget. */
        @Override
        public Iterator<?> toIterator(Object value) {
            Iterator<?> it = super.toIterator(value);
            RenderBudget budget = BUDGET.get();
            return it == null || budget == null ? it : budget.counting(it);
        }
    }

    @Override
    public boolean tenantWritten() {
        return true;
    }

    @Override
    public JsonNode spec() {
        return Specs.node(type()).put("template", template).put("contentType", contentType);
    }

    @Override
    public String type() {
        return "template";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TemplateFormat t && template.equals(t.template) && contentType.equals(t.contentType);
    }

    @Override
    public int hashCode() {
        return 31 * template.hashCode() + contentType.hashCode();
    }

    @Override
    public String toString() {
        return "TemplateFormat[" + template.length() + " characters, " + contentType + "]";
    }
}
