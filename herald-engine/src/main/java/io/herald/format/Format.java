package io.herald.format;

import tools.jackson.databind.JsonNode;

/**
 * How an endpoint wants an event written: the body Herald sends and its content type. A format is
 * chosen per endpoint by a spec object such as {@code {"type":"cef","vendor":"Acme"}}; the string
 * {@code "slack"} is shorthand for {@code {"type":"slack"}}, and no spec at all means {@link #JSON}.
 *
 * <p>Formats are immutable and safe to share between threads. {@link #render} never throws for an
 * event whose payload is a JSON object, except a {@code template} over its budget
 * ({@link io.herald.BudgetExceeded}). What the rendered bodies do <em>not</em> guarantee: that a
 * chat message or card shows every payload member (they truncate to the receiver's documented
 * limits), or that a template renders valid JSON when the template itself is not JSON-shaped.
 */
public sealed interface Format
        permits JsonFormat, EnvelopeFormat, SlackFormat, TeamsFormat, CefFormat, SyslogFormat, TemplateFormat {

    /** The payload exactly as published. The default. */
    Format JSON = JsonFormat.INSTANCE;

    Rendered render(Event event);

    /**
     * True when rendering runs what a tenant wrote (a template), whose cost the payload decides:
     * such a rendering belongs on {@link io.herald.TenantWork}, not on a thread that serves requests.
     */
    default boolean tenantWritten() {
        return false;
    }

    /**
     * The normalized spec, every default filled in: what the API shows and what is stored. Parsing
     * it again gives an equal format. A fresh node on every call.
     */
    JsonNode spec();

    /** The spec's {@code type}: {@code json}, {@code envelope}, {@code slack}, and so on. */
    String type();

    /**
     * Validates a spec from the API. {@code field} names the spec in error messages, e.g.
     * {@code format}; a bad member is reported as {@code format.vendor}.
     *
     * @throws io.herald.HeraldException.InvalidInput naming the offending member
     */
    static Format parse(String field, JsonNode spec) {
        return Specs.parse(field, spec);
    }

    /**
     * A format from its stored, normalized spec text (see {@link #spec()}); null means {@link #JSON}.
     * Called on every delivery, so results are cached by text in a small bounded cache.
     *
     * @throws IllegalStateException if the text is not a spec this version understands
     */
    static Format stored(String specJson) {
        return StoredFormats.get(specJson);
    }
}
