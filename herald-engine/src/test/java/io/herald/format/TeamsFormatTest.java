package io.herald.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class TeamsFormatTest {
    private static final Format TEAMS = Format.parse("format", Json.read("\"teams\""));
    /** Teams refuses messages larger than about 28 KB. */
    private static final int TEAMS_MESSAGE_MAX_BYTES = 28 * 1024;

    @ParameterizedTest
    @MethodSource("io.herald.format.Events#realistic")
    void render_realisticEvent_conformsToAdaptiveCardSchema(Event event) {
        Rendered rendered = TEAMS.render(event);

        assertThat(Schemas.errors(Schemas.TEAMS, rendered.text())).isEmpty();
        assertThat(rendered.contentType()).isEqualTo("application/json");
    }

    @Test
    void schema_cardNotAsTeamsExpects_isRefused() {
        ObjectNode message = (ObjectNode) Json.read(TEAMS.render(Events.FINDING_CREATED).text());
        ObjectNode card = (ObjectNode) message.get("attachments").get(0).get("content");
        card.put("version", "1.6");

        assertThat(Schemas.errors(Schemas.TEAMS, Json.write(message))).isNotEmpty();
        assertThat(Schemas.errors(Schemas.TEAMS, "{\"type\":\"message\",\"attachments\":[{\"contentType\":"
                + "\"application/vnd.microsoft.card.adaptive\",\"contentUrl\":null,\"content\":{\"type\":\"AdaptiveCard\","
                + "\"version\":\"1.4\",\"body\":[{\"type\":\"FactSet\",\"facts\":[{\"title\":\"t\"}]}]}}]}")).isNotEmpty();
    }

    @Test
    void render_findingCreated_hasTitleDescriptionFactsFooterAndOpenUrl() {
        JsonNode card = Json.read(TEAMS.render(Events.FINDING_CREATED).text()).get("attachments").get(0).get("content");

        JsonNode body = card.get("body");
        assertThat(body.get(0).get("text").stringValue()).isEqualTo("SQL injection in /login");
        assertThat(body.get(0).get("weight").stringValue()).isEqualTo("Bolder");
        assertThat(body.get(1).get("text").stringValue()).startsWith("The \"username\" parameter");
        assertThat(body.get(2).get("facts")).extracting(f -> f.get("title").stringValue() + "=" + f.get("value").stringValue())
                .containsExactly("severity=critical", "cvss=9.8", "host=api.example.com", "port=443", "cwe=CWE-89");
        assertThat(body.get(3).get("text").stringValue())
                .isEqualTo("finding.created \u00b7 msg_2bVk7C3pQm9sXw4LzR8tYh1nE0f \u00b7 2026-03-14T09:27:01.002345678Z");
        assertThat(card.get("actions").get(0).get("type").stringValue()).isEqualTo("Action.OpenUrl");
        assertThat(card.get("actions").get(0).get("url").stringValue())
                .isEqualTo("https://scanner.example.com/findings/fnd_19?tab=evidence&lang=en");
    }

    @Test
    void render_noLink_hasNoActions() {
        JsonNode card = Json.read(TEAMS.render(Events.CAMPAIGN_EXPIRED).text()).get("attachments").get(0).get("content");

        assertThat(card.has("actions")).isFalse();
    }

    @Test
    void render_hostileOversizedPayload_staysValidAndUnderTheTeamsSizeLimit() {
        // CJK characters take three bytes each in UTF-8: the worst case per character in the body.
        String wide = "\u6f22\u5b57";
        ObjectNode payload = Json.MAPPER.createObjectNode();
        payload.put("title", wide.repeat(5000) + "\n\u0000");
        payload.put("description", "line\r\nbreak\u0007" + wide.repeat(5000));
        payload.put("url", "https://example.com/" + wide.repeat(490));
        for (int i = 0; i < 40; i++) {
            payload.put(wide.repeat(100) + i, wide.repeat(1000) + "\"\\");
        }
        Event event = Events.of(wide.repeat(300), Json.write(payload));

        Rendered rendered = TEAMS.render(event);

        assertThat(Schemas.errors(Schemas.TEAMS, rendered.text())).isEmpty();
        assertThat(rendered.body().length).isLessThan(TEAMS_MESSAGE_MAX_BYTES);
        JsonNode card = Json.read(rendered.text()).get("attachments").get(0).get("content");
        assertThat(card.get("body").get(0).get("text").stringValue()).hasSize(300).doesNotContain("\n", "\u0000");
        assertThat(card.get("body").get(1).get("text").stringValue()).startsWith("line\nbreak ").hasSize(1500);
        assertThat(card.get("body").get(2).get("facts")).hasSize(15);
        assertThat(card.get("body").get(3).get("text").stringValue()).endsWith("25 more members in the payload");
    }

    @Test
    void render_payloadWithoutTitleOrScalars_showsTheCompactPayloadInMonospace() {
        Event event = Events.of("user.updated", "{\"user\": {\"id\": 7}}");

        Rendered rendered = TEAMS.render(event);
        JsonNode body = Json.read(rendered.text()).get("attachments").get(0).get("content").get("body");

        assertThat(Schemas.errors(Schemas.TEAMS, rendered.text())).isEmpty();
        assertThat(body.get(0).get("text").stringValue()).isEqualTo("user.updated");
        assertThat(body.get(1).get("text").stringValue()).isEqualTo("{\"user\":{\"id\":7}}");
        assertThat(body.get(1).get("fontType").stringValue()).isEqualTo("Monospace");
    }

    @Test
    void parse_spec_acceptsTitleAndLinkFieldsAndRefusesOthers() {
        SpecChecks.assertNormalized("\"teams\"", "{\"type\":\"teams\"}");
        SpecChecks.assertNormalized("{\"type\":\"teams\",\"linkField\":\"report\"}",
                "{\"type\":\"teams\",\"linkField\":\"report\"}");
        SpecChecks.assertInvalid("{\"type\":\"teams\",\"linkField\":3}", "format.linkField", "must be a string");
        SpecChecks.assertInvalid("{\"type\":\"teams\",\"color\":\"red\"}", "format.color", "is not a member");
    }
}
