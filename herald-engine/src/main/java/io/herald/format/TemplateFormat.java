package io.herald.format;

import com.samskivert.mustache.BasicCollector;
import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.Template;
import io.herald.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
 * <p>Only maps, lists and plain values are reachable: the context offers no Java objects, so a
 * template cannot call methods ({@code {{data.title.length}}} is missing, not 5).
 */
final class TemplateFormat implements Format {
    static final int TEMPLATE_MAX_BYTES = 64 * 1024;
    static final String DEFAULT_CONTENT_TYPE = "application/json";
    static final int CONTENT_TYPE_MAX = 255;

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
        return Rendered.utf8(compiled.execute(context), contentType);
    }

    static String format(Object value) {
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
