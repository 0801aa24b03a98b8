package io.herald.format;

import io.herald.Json;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An Adaptive Card (version 1.4) in the message envelope that Teams workflow webhooks ("post to a
 * channel when a webhook request is received") accept:
 * {@code {"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive",
 * "contentUrl":null,"content":<card>}]}}.
 *
 * <p>The card's body: the title (or the event type) as a large bold TextBlock; the description; a
 * FactSet of the scalar top-level members not already shown; a subtle line with event type, message
 * id and timestamp. A payload with no title, description or scalar member shows its compact JSON in
 * a monospace TextBlock instead. A link becomes an {@code Action.OpenUrl} "Open"; with no link the
 * card has no {@code actions}. See {@link Payload} for how members are chosen.
 *
 * <p>Adaptive Cards publish no per-field limits, but Teams refuses messages over about 28 KB. So
 * the heading is cut to 300 characters, the description to 1500, type and id in the footer to 400;
 * at most 15 facts are shown, names cut to 80 and values to 250 characters; a link longer than 1000
 * characters is left out. Control characters become spaces (the description keeps its line
 * breaks), so no character takes more than three bytes in the body, and even a payload of nothing
 * but CJK text stays under the limit. TextBlocks render a subset of Markdown and Adaptive Cards
 * define no escape for it, so payload text containing Markdown is shown as Markdown.
 */
record TeamsFormat(String titleField, String linkField) implements Format {
    static final int TITLE_MAX = 300;
    static final int DESCRIPTION_MAX = 1500;
    static final int FOOTER_MAX = 400;
    static final int FACTS_MAX = 15;
    static final int FACT_TITLE_MAX = 80;
    static final int FACT_VALUE_MAX = 250;
    static final int URL_MAX = 1000;

    static TeamsFormat parse(SpecReader spec) {
        return new TeamsFormat(spec.titleField(), spec.linkField());
    }

    @Override
    public Rendered render(Event event) {
        Payload payload = Payload.parse(event.payload());
        Payload.Summary summary = payload.summary(titleField, linkField, URL_MAX);
        Optional<Payload.Member> title = summary.title();
        Optional<Payload.Member> description = summary.description();
        List<Payload.Member> facts = payload.others(summary);

        ObjectNode card = Json.MAPPER.createObjectNode();
        card.put("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
        card.put("type", "AdaptiveCard");
        card.put("version", "1.4");
        ArrayNode body = card.putArray("body");
        String heading = Text.controlsToSpaces(title.map(t -> t.text().strip()).orElse(event.type()));
        if (heading.isBlank()) {
            heading = "event"; // a TextBlock needs text; only a hostile, empty event type gets here
        }
        textBlock(body, Text.truncate(heading, TITLE_MAX)).put("size", "Large").put("weight", "Bolder");
        description.ifPresent(d -> textBlock(body, Text.truncate(keepLineBreaks(d.text()), DESCRIPTION_MAX)));
        if (!facts.isEmpty()) {
            ArrayNode set = body.addObject().put("type", "FactSet").putArray("facts");
            for (Payload.Member f : facts.subList(0, Math.min(facts.size(), FACTS_MAX))) {
                set.addObject()
                        .put("title", Text.truncate(Text.controlsToSpaces(f.name()), FACT_TITLE_MAX))
                        .put("value", Text.truncate(Text.controlsToSpaces(f.text()), FACT_VALUE_MAX));
            }
        } else if (title.isEmpty() && description.isEmpty()) {
            textBlock(body, Text.truncate(payload.compact(), DESCRIPTION_MAX)).put("fontType", "Monospace");
        }
        String footer = Text.truncate(Text.controlsToSpaces(event.type() + " \u00b7 " + event.id()), FOOTER_MAX)
                + " \u00b7 " + Text.iso(event.timestamp());
        if (facts.size() > FACTS_MAX) {
            int more = facts.size() - FACTS_MAX;
            footer += " \u00b7 " + more + (more == 1 ? " more member" : " more members") + " in the payload";
        }
        textBlock(body, footer).put("size", "Small").put("isSubtle", true);
        summary.link().ifPresent(l -> card.putArray("actions").addObject()
                .put("type", "Action.OpenUrl").put("title", "Open").put("url", l.text()));

        ObjectNode message = Json.MAPPER.createObjectNode().put("type", "message");
        ObjectNode attachment = message.putArray("attachments").addObject();
        attachment.put("contentType", "application/vnd.microsoft.card.adaptive");
        attachment.putNull("contentUrl");
        attachment.set("content", card);
        return Rendered.utf8(Json.write(message), "application/json");
    }

    /** Control characters made spaces, except line breaks, which Markdown shows; CR LF becomes LF. */
    private static String keepLineBreaks(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r') {
                if (i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                    continue;
                }
                c = '\n';
            }
            out.append(c != '\n' && Character.isISOControl(c) ? ' ' : c);
        }
        return out.toString();
    }

    private static ObjectNode textBlock(ArrayNode body, String text) {
        return body.addObject().put("type", "TextBlock").put("text", text).put("wrap", true);
    }

    @Override
    public JsonNode spec() {
        ObjectNode spec = Specs.node(type());
        return Specs.withFieldChoices(spec, titleField, linkField);
    }

    @Override
    public String type() {
        return "teams";
    }
}
