package io.herald.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class SlackFormatTest {
    private static final Format SLACK = Format.parse("format", Json.read("\"slack\""));

    @ParameterizedTest
    @MethodSource("io.herald.format.Events#realistic")
    void render_realisticEvent_conformsToBlockKitSchema(Event event) {
        String body = SLACK.render(event).text();

        assertThat(Schemas.errors(Schemas.SLACK, body)).isEmpty();
        assertMrkdwnEscaped(Json.read(body));
    }

    @Test
    void schema_blockOverSlackLimits_isRefused() {
        // The schema must be able to fail, or the tests above prove nothing.
        ObjectNode message = (ObjectNode) Json.read(SLACK.render(Events.FINDING_CREATED).text());
        ((ObjectNode) message.get("blocks").get(0).get("text")).put("text", "h".repeat(151));

        assertThat(Schemas.errors(Schemas.SLACK, Json.write(message))).isNotEmpty();
        assertThat(Schemas.errors(Schemas.SLACK, "{\"text\":\"x\",\"blocks\":[{\"type\":\"section\"}]}")).isNotEmpty();
        assertThat(Schemas.errors(Schemas.SLACK, "{\"text\":\"x\",\"blocks\":[{\"type\":\"divider\",\"x\":1}]}"))
                .isNotEmpty();
    }

    @Test
    void render_findingCreated_showsHeaderTitleDescriptionFieldsButtonAndContext() {
        JsonNode blocks = Json.read(SLACK.render(Events.FINDING_CREATED).text()).get("blocks");

        assertThat(blocks.get(0).get("text").get("text").stringValue()).isEqualTo("finding.created: SQL injection in /login");
        assertThat(blocks.get(1).get("text").get("text").stringValue())
                .startsWith("*SQL injection in /login*\nThe \"username\" parameter")
                .endsWith("logs in as admin &lt;script&gt;.");
        assertThat(blocks.get(2).get("fields")).extracting(f -> f.get("text").stringValue())
                .containsExactly("*severity*\ncritical", "*cvss*\n9.8", "*host*\napi.example.com", "*port*\n443",
                        "*cwe*\nCWE-89");
        assertThat(blocks.get(3).get("elements").get(0).get("url").stringValue())
                .isEqualTo("https://scanner.example.com/findings/fnd_19?tab=evidence&lang=en");
        assertThat(blocks.get(4).get("type").stringValue()).isEqualTo("context");
    }

    @Test
    void render_svixEventObject_showsTheMembersOfItsData() {
        // Herald's operational events are Svix's {"data": {…}, "type": …}: their data is what to show.
        Event disabled = new Event("msg_2bVk6VvQvKJq1h1tXzB5Y3mN8pB", "endpoint.disabled", Instant.parse("2026-03-14T09:26:53Z"),
                null, null, """
                {"data": {"appId": "app_1", "appUid": "acme", "endpointId": "ep_1", "endpointUid": null,
                 "failSince": "2026-03-09T09:26:53Z", "trigger": "automatic"}, "type": "endpoint.disabled"}""",
                new Event.App("app_herald-operational", null, "Herald operational webhooks"));
        JsonNode message = Json.read(SLACK.render(disabled).text());

        assertThat(Schemas.errors(Schemas.SLACK, Json.write(message))).isEmpty();
        assertThat(message.get("blocks").get(0).get("text").get("text").stringValue()).isEqualTo("endpoint.disabled");
        assertThat(message.get("blocks").get(1).get("fields")).extracting(f -> f.get("text").stringValue())
                .containsExactly("*appId*\napp_1", "*appUid*\nacme", "*endpointId*\nep_1", "*failSince*\n2026-03-09T09:26:53Z",
                        "*trigger*\nautomatic");
        // Any other member beside them makes it an ordinary payload, read at its top level.
        Event other = new Event(disabled.id(), "x.y", disabled.timestamp(), null, null,
                "{\"data\": {\"appId\": \"app_1\"}, \"type\": \"x\", \"n\": 1}", disabled.app());
        assertThat(Json.read(SLACK.render(other).text()).get("blocks").get(1).get("fields"))
                .extracting(f -> f.get("text").stringValue()).containsExactly("*type*\nx", "*n*\n1");
    }

    @Test
    void render_hostileOversizedPayload_staysWithinEveryLimit() {
        ObjectNode payload = Json.MAPPER.createObjectNode();
        payload.put("title", "<!channel> & <@U123> " + "T&<>".repeat(2000));
        payload.put("description", "&".repeat(5000) + "\n<https://evil.example|click>");
        payload.put("url", "https://example.com/" + "a".repeat(3000)); // longer than a button URL may be
        for (int i = 0; i < 30; i++) {
            payload.put("member" + i + "<>&".repeat(100), "v&<>\n".repeat(1000));
        }
        Event event = Events.of("x".repeat(300), Json.write(payload));

        JsonNode message = Json.read(SLACK.render(event).text());

        assertThat(Schemas.errors(Schemas.SLACK, Json.write(message))).isEmpty();
        assertMrkdwnEscaped(message);
        JsonNode blocks = message.get("blocks");
        assertThat(blocks.get(0).get("text").get("text").stringValue()).hasSize(150).endsWith("\u2026");
        assertThat(blocks.get(1).get("text").get("text").stringValue()).hasSizeLessThanOrEqualTo(3000).endsWith("\u2026");
        assertThat(blocks.get(2).get("fields")).hasSize(10)
                .allSatisfy(f -> assertThat(f.get("text").stringValue()).hasSizeLessThanOrEqualTo(2000));
        assertThat(blocks).extracting(b -> b.get("type").stringValue()).doesNotContain("actions");
        // 30 members and the URL, which is too long for a button and so is shown as a field instead.
        assertThat(blocks.get(3).get("elements").get(0).get("text").stringValue()).endsWith("21 more members in the payload");
    }

    @Test
    void render_surrogatePairsAtTheCut_neverSplitsACharacter() {
        String title = "\uD83D\uDD25".repeat(200); // 🔥, two UTF-16 units each
        // The body is UTF-8, where a split pair would have become '?'.
        JsonNode doc = Json.read(SLACK.render(Events.of("alerts", Json.write(Json.MAPPER.createObjectNode().put("title", title))))
                .text());

        String header = doc.get("blocks").get(0).get("text").get("text").stringValue();
        // 150 units at most: "alerts: " (8) leaves 141 before the ellipsis, an odd number, so the
        // cut falls inside a pair and must step back: 70 whole pairs.
        assertThat(header).isEqualTo("alerts: " + "\uD83D\uDD25".repeat(70) + "\u2026");
        assertThat(doc.get("text").stringValue()).doesNotContain("?");
        assertThat(doc.get("blocks").get(1).get("text").get("text").stringValue()).doesNotContain("?");
    }

    @Test
    void mrkdwn_cutInsideEntities_keepsEveryEntityWhole() {
        assertThat(SlackFormat.mrkdwn("a & b <c>", 100)).isEqualTo("a &amp; b &lt;c&gt;");
        assertThat(SlackFormat.mrkdwn("&&&", 15)).isEqualTo("&amp;&amp;&amp;");
        assertThat(SlackFormat.mrkdwn("&&&", 14)).isEqualTo("&amp;&amp;\u2026");
        assertThat(SlackFormat.mrkdwn("&&&", 10)).isEqualTo("&amp;\u2026");
    }

    @Test
    void render_payloadWithoutTitleOrScalars_showsTheCompactPayloadAsCode() {
        Event event = Events.of("user.updated", "{\"user\": {\"id\": 7, \"roles\": [\"admin\", \"<ops>\"]}}");

        JsonNode blocks = Json.read(SLACK.render(event).text()).get("blocks");

        assertThat(Schemas.errors(Schemas.SLACK, SLACK.render(event).text())).isEmpty();
        assertThat(blocks.get(1).get("text").get("text").stringValue())
                .isEqualTo("```{\"user\":{\"id\":7,\"roles\":[\"admin\",\"&lt;ops&gt;\"]}}```");
    }

    @Test
    void render_titleAndLinkFields_preferTheNamedMembers() {
        Format slack = Format.parse("format",
                Json.read("{\"type\":\"slack\",\"titleField\":\"rule\",\"linkField\":\"console\"}"));
        Event event = Events.of("alert.fired", "{\"title\":\"generic\",\"rule\":\"Impossible travel\","
                + "\"url\":\"https://a.example\",\"console\":\"https://console.example/alerts/9\"}");

        JsonNode blocks = Json.read(slack.render(event).text()).get("blocks");

        assertThat(blocks.get(0).get("text").get("text").stringValue()).isEqualTo("alert.fired: Impossible travel");
        assertThat(blocks.findValues("url")).extracting(JsonNode::stringValue)
                .containsExactly("https://console.example/alerts/9");
    }

    @Test
    void render_linkThatIsNotAWebUrl_getsNoButton() {
        Event event = Events.of("alert.fired", "{\"title\":\"t\",\"url\":\"javascript:alert(1)\",\"link\":\"/relative\"}");

        String body = SLACK.render(event).text();

        assertThat(Json.read(body).get("blocks")).extracting(b -> b.get("type").stringValue()).doesNotContain("actions");
    }

    private static void assertMrkdwnEscaped(JsonNode message) {
        List<String> texts = new ArrayList<>();
        texts.add(message.get("text").stringValue());
        for (JsonNode block : message.get("blocks")) {
            for (JsonNode parent : block.findParents("type")) {
                if (parent.get("type").stringValue().equals("mrkdwn")) {
                    texts.add(parent.get("text").stringValue());
                }
            }
        }
        // Every & starts one of the three entities Slack defines, and no angle bracket is raw.
        assertThat(texts).allSatisfy(t -> assertThat(t.replace("&amp;", "").replace("&lt;", "").replace("&gt;", ""))
                .as(t).doesNotContain("&", "<", ">"));
    }

    @Test
    void parse_spec_acceptsTitleAndLinkFieldsAndRefusesOthers() {
        SpecChecks.assertNormalized("\"slack\"", "{\"type\":\"slack\"}");
        SpecChecks.assertNormalized("{\"type\":\"slack\",\"titleField\":\"headline\",\"linkField\":null}",
                "{\"type\":\"slack\",\"titleField\":\"headline\"}");
        SpecChecks.assertInvalid("{\"type\":\"slack\",\"titelField\":\"x\"}", "format.titelField",
                "is not a member of the \"slack\" format; its members are type, titleField, linkField");
        SpecChecks.assertInvalid("{\"type\":\"slack\",\"titleField\":\"\"}", "format.titleField",
                "must name a payload member: 1 to 256 characters");
        SpecChecks.assertInvalid("{\"type\":\"slack\",\"linkField\":\"" + "l".repeat(257) + "\"}", "format.linkField",
                "must name a payload member");
    }
}
