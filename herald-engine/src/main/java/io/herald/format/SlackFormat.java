package io.herald.format;

import io.herald.Json;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Slack Block Kit message for an incoming webhook:
 *
 * <ol>
 *   <li>{@code text}: the notification fallback, "{@code <event type>: <title>}"
 *   <li>a {@code header}: the same line as plain text
 *   <li>a {@code section} with the title in bold and the description, as mrkdwn
 *   <li>a {@code section} of {@code fields}, one "{@code *name*\nvalue}" per scalar top-level
 *       payload member not already shown; when the payload has no title, description or scalar
 *       member at all, a code block with the compact payload instead
 *   <li>an {@code actions} block with an "Open" button when the payload holds a link
 *   <li>a {@code context} line with the message id and timestamp
 * </ol>
 *
 * See {@link Payload} for how title, description and link are chosen; {@code titleField} and
 * {@code linkField} name members to prefer. Text is cut, with an ellipsis, to Slack's documented
 * limits: header 150 characters, section text 3000, at most 10 fields of 2000 each, button URL
 * 3000 (a longer link gets no button). Members beyond ten are counted in the context
 * line. {@code &}, {@code <} and {@code >} are escaped in mrkdwn text as Slack asks; other mrkdwn
 * marks ({@code *}, {@code _}, {@code ~}, backticks) in payload values are not neutralized, as
 * Slack offers no way to.
 */
record SlackFormat(String titleField, String linkField) implements Format {
    static final int HEADER_MAX = 150;
    static final int SECTION_TEXT_MAX = 3000;
    static final int FIELDS_MAX = 10;
    static final int FIELD_TEXT_MAX = 2000;
    static final int URL_MAX = 3000;
    /** Slack truncates a message's top-level text at 40,000; a notification line needs far less. */
    static final int FALLBACK_TEXT_MAX = 3000;
    /** Room for a title inside the section text, leaving the rest to the description. */
    private static final int SECTION_TITLE_MAX = 1000;
    private static final int FIELD_NAME_MAX = 200;

    static SlackFormat parse(SpecReader spec) {
        return new SlackFormat(spec.titleField(), spec.linkField());
    }

    @Override
    public Rendered render(Event event) {
        Payload payload = Payload.parse(event.payload());
        Payload.Summary summary = payload.summary(titleField, linkField, URL_MAX);
        Optional<Payload.Member> title = summary.title();
        Optional<Payload.Member> description = summary.description();
        List<Payload.Member> fields = payload.others(summary);

        String headline = Text.controlsToSpaces(
                title.map(t -> event.type() + ": " + t.text().strip()).orElse(event.type())).strip();
        if (headline.isEmpty()) {
            headline = "event"; // Slack refuses empty text; only a hostile, empty event type gets here
        }

        ObjectNode message = Json.MAPPER.createObjectNode();
        message.put("text", mrkdwn(headline, FALLBACK_TEXT_MAX));
        ArrayNode blocks = message.putArray("blocks");
        blocks.addObject().put("type", "header").set("text", plainText(Text.truncate(headline, HEADER_MAX)));

        if (title.isPresent() || description.isPresent()) {
            StringBuilder text = new StringBuilder();
            title.ifPresent(t -> text.append('*')
                    .append(mrkdwn(Text.controlsToSpaces(t.text()).strip(), SECTION_TITLE_MAX)).append('*'));
            description.ifPresent(d -> {
                if (!text.isEmpty()) {
                    text.append('\n');
                }
                text.append(mrkdwn(d.text(), SECTION_TEXT_MAX - text.length()));
            });
            blocks.addObject().put("type", "section").set("text", mrkdwnText(text.toString()));
        }
        if (!fields.isEmpty()) {
            ArrayNode items = blocks.addObject().put("type", "section").putArray("fields");
            for (Payload.Member f : fields.subList(0, Math.min(fields.size(), FIELDS_MAX))) {
                String name = "*" + mrkdwn(Text.controlsToSpaces(f.name()).strip(), FIELD_NAME_MAX) + "*\n";
                items.add(mrkdwnText(name + mrkdwn(f.text(), FIELD_TEXT_MAX - name.length())));
            }
        } else if (title.isEmpty() && description.isEmpty()) {
            String code = mrkdwn(payload.compact(), SECTION_TEXT_MAX - 6);
            blocks.addObject().put("type", "section").set("text", mrkdwnText("```" + code + "```"));
        }
        summary.link().ifPresent(l -> {
            ObjectNode button = blocks.addObject().put("type", "actions").putArray("elements").addObject();
            button.put("type", "button").set("text", plainText("Open"));
            button.put("url", l.text());
        });
        String context = "`" + mrkdwn(event.id(), 255) + "` \u00b7 " + Text.iso(event.timestamp());
        if (fields.size() > FIELDS_MAX) {
            int more = fields.size() - FIELDS_MAX;
            context += " \u00b7 " + more + (more == 1 ? " more member" : " more members") + " in the payload";
        }
        blocks.addObject().put("type", "context").putArray("elements").add(mrkdwnText(context));
        return Rendered.utf8(Json.write(message), "application/json");
    }

    private static ObjectNode plainText(String text) {
        return Json.MAPPER.createObjectNode().put("type", "plain_text").put("text", text);
    }

    private static ObjectNode mrkdwnText(String text) {
        return Json.MAPPER.createObjectNode().put("type", "mrkdwn").put("text", text);
    }

    /**
     * {@code raw} with {@code &}, {@code <}, {@code >} escaped as Slack documents, cut to at most
     * {@code max} characters with an ellipsis. Never cuts inside an escape or a surrogate pair.
     */
    static String mrkdwn(String raw, int max) {
        String escaped = escape(raw);
        if (escaped.length() <= max) {
            return escaped;
        }
        StringBuilder out = new StringBuilder();
        int budget = max - Text.ELLIPSIS.length();
        for (int i = 0; i < raw.length(); ) {
            int cp = raw.codePointAt(i);
            String piece = escape(Character.toString(cp));
            if (out.length() + piece.length() > budget) {
                break;
            }
            out.append(piece);
            i += Character.charCount(cp);
        }
        return out.append(Text.ELLIPSIS).toString();
    }

    private static String escape(String raw) {
        return raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    @Override
    public JsonNode spec() {
        ObjectNode spec = Specs.node(type());
        return Specs.withFieldChoices(spec, titleField, linkField);
    }

    @Override
    public String type() {
        return "slack";
    }
}
