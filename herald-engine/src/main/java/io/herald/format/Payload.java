package io.herald.format;

import io.herald.Json;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * A payload as the human-facing formats read it: a title, a description, a link, the scalar
 * members worth showing, a severity. Only top-level members are looked at, except in a payload
 * that is exactly Svix's event object {@code {"data": {…}, "type": "…"}} (Herald's operational
 * events are), whose {@code data} members are looked at instead. Members are found by exact name;
 * the first candidate present wins.
 *
 * <ul>
 *   <li>title: the spec's {@code titleField} if the payload has it, else the first string among
 *       {@code title, subject, headline, summary, name}
 *   <li>description: the first string among {@code description, message, summary, details, detail,
 *       text} that is not the title
 *   <li>link: the spec's {@code linkField} if it holds one, else {@code url, link, href, html_url,
 *       htmlUrl, permalink, web_url, webUrl}, else any member whose name ends in {@code url} or
 *       {@code link} (any case); a link is an absolute {@code http} or {@code https} URL
 * </ul>
 */
final class Payload {
    private static final List<String> TITLES = List.of("title", "subject", "headline", "summary", "name");
    private static final List<String> DESCRIPTIONS =
            List.of("description", "message", "summary", "details", "detail", "text");
    private static final List<String> LINKS =
            List.of("url", "link", "href", "html_url", "htmlUrl", "permalink", "web_url", "webUrl");

    /** A top-level member and its value as display text. */
    record Member(String name, String text) {}

    /** What a message shows prominently, and the scalar members it has not shown that way. */
    record Summary(Optional<Member> title, Optional<Member> description, Optional<Member> link) {}

    /** The payload as published, and the object whose members are shown (its data, for an event object). */
    private final JsonNode root;
    private final JsonNode shown;

    private Payload(JsonNode root) {
        this.root = root;
        this.shown = isEventObject(root) ? root.get("data") : root;
    }

    static Payload parse(String payload) {
        return new Payload(Json.read(payload));
    }

    /**
     * Svix's event object, exactly {@code {"data": {…}, "type": "…"}}, as Herald's operational
     * events are: its {@code data} is what there is to show (the type is the event's already).
     */
    static boolean isEventObject(JsonNode root) {
        return root.isObject() && root.size() == 2 && root.path("type").isString() && root.path("data").isObject();
    }

    /** The payload as published. */
    JsonNode root() {
        return root;
    }

    /** The shown object as compact JSON. */
    String compact() {
        return Json.write(shown);
    }

    Optional<JsonNode> member(String name) {
        JsonNode v = shown.isObject() ? shown.get(name) : null;
        return Optional.ofNullable(v);
    }

    /**
     * Title, description and link as described above; a link longer than {@code linkMax} is not a
     * link (it stays among the others). {@code titleField} and {@code linkField} may be null.
     */
    Summary summary(String titleField, String linkField, int linkMax) {
        Optional<Member> title = title(Optional.ofNullable(titleField));
        Optional<Member> description = description(title);
        Optional<Member> link = link(Optional.ofNullable(linkField)).filter(l -> l.text().length() <= linkMax);
        return new Summary(title, description, link);
    }

    /** The scalar members a summary did not pick, in payload order: the key fields of a card. */
    List<Member> others(Summary summary) {
        Set<String> shown = new HashSet<>();
        summary.title().ifPresent(m -> shown.add(m.name()));
        summary.description().ifPresent(m -> shown.add(m.name()));
        summary.link().ifPresent(m -> shown.add(m.name()));
        return scalars(shown);
    }

    private Optional<Member> title(Optional<String> titleField) {
        Optional<Member> chosen = titleField.flatMap(this::scalar);
        return chosen.isPresent() ? chosen : firstString(TITLES, null);
    }

    private Optional<Member> description(Optional<Member> title) {
        return firstString(DESCRIPTIONS, title.map(Member::name).orElse(null));
    }

    private Optional<Member> link(Optional<String> linkField) {
        Optional<Member> chosen = linkField.flatMap(this::scalar).filter(m -> isWebUrl(m.text()));
        if (chosen.isPresent()) {
            return chosen;
        }
        for (String name : LINKS) {
            Optional<Member> m = scalar(name).filter(x -> isWebUrl(x.text()));
            if (m.isPresent()) {
                return m;
            }
        }
        for (Map.Entry<String, JsonNode> e : members()) {
            String lower = e.getKey().toLowerCase(java.util.Locale.ROOT);
            if ((lower.endsWith("url") || lower.endsWith("link")) && e.getValue().isString()
                    && isWebUrl(e.getValue().stringValue())) {
                return Optional.of(new Member(e.getKey(), e.getValue().stringValue()));
            }
        }
        return Optional.empty();
    }

    /** Members holding a string, number or boolean, in payload order, except those named. */
    private List<Member> scalars(Set<String> except) {
        List<Member> out = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : members()) {
            if (!except.contains(e.getKey())) {
                scalarText(e.getValue()).ifPresent(t -> out.add(new Member(e.getKey(), t)));
            }
        }
        return out;
    }

    private Optional<Member> scalar(String name) {
        return member(name).flatMap(Payload::scalarText).filter(t -> !t.isBlank()).map(t -> new Member(name, t));
    }

    private Optional<Member> firstString(List<String> names, String except) {
        for (String name : names) {
            JsonNode v = name.equals(except) ? null : member(name).orElse(null);
            if (v != null && v.isString() && !v.stringValue().isBlank()) {
                return Optional.of(new Member(name, v.stringValue()));
            }
        }
        return Optional.empty();
    }

    private Iterable<Map.Entry<String, JsonNode>> members() {
        return shown.isObject() ? shown.properties() : List.of();
    }

    static Optional<String> scalarText(JsonNode v) {
        if (v.isString()) {
            return Optional.of(v.stringValue());
        }
        if (v.isNumber() || v.isBoolean()) {
            return Optional.of(Json.write(v));
        }
        return Optional.empty();
    }

    static boolean isWebUrl(String s) {
        try {
            URI uri = new URI(s);
            String scheme = uri.getScheme();
            return uri.getHost() != null
                    && ("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme));
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
