package io.herald.eventtype;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.HeraldException;
import io.herald.HeraldException.InvalidInput.Detail;
import io.herald.Json;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class JsonSchemasTest {
    private static final JsonNode FINDING = Json.read("""
            {"type": "object", "required": ["title", "severity"],
             "properties": {
               "title": {"type": "string", "minLength": 1},
               "severity": {"type": "integer", "minimum": 0, "maximum": 10},
               "seenAt": {"type": "string", "format": "date-time"},
               "reporter": {"type": "string", "format": "email"},
               "hosts": {"type": "array", "items": {"$ref": "#/$defs/host"}}
             },
             "$defs": {"host": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}""");

    private static HeraldException.InvalidInput refused(String field, String schema) {
        try {
            JsonSchemas.check(field, Json.read(schema));
        } catch (HeraldException.InvalidInput e) {
            return e;
        }
        throw new AssertionError("schema was accepted: " + schema);
    }

    @Test
    void check_validSchemas_ofEachDialect_accepted() {
        assertThatCode(() -> JsonSchemas.check("schemas.1", FINDING)).doesNotThrowAnyException();
        assertThatCode(() -> JsonSchemas.check("s", Json.read("{\"$schema\": \"http://json-schema.org/draft-07/schema#\", \"type\": \"object\"}")))
                .doesNotThrowAnyException();
        assertThatCode(() -> JsonSchemas.check("s", Json.read("{\"$schema\": \"https://json-schema.org/draft/2019-09/schema\"}")))
                .doesNotThrowAnyException();
    }

    @Test
    void check_badKeywordValues_refusedWithThePlaces() {
        HeraldException.InvalidInput e = refused("schemas.1", "{\"type\": \"objekt\", \"properties\": {\"a\": {\"minimum\": \"three\"}}}");
        assertThat(e.field()).isEqualTo("schemas.1");
        assertThat(e.details()).isNotEmpty();
        assertThat(e.details()).extracting(Detail::field).anySatisfy(f -> assertThat(f).startsWith("schemas.1.type"));
    }

    @Test
    void check_notAnObject_unknownDialect_remoteRef_refused() {
        assertThat(refused("s", "[1]").field()).isEqualTo("s");
        assertThat(refused("s", "{\"$schema\": \"http://example.com/my-dialect\"}").field()).isEqualTo("s.$schema");
        assertThat(refused("s", "{\"properties\": {\"a\": {\"$ref\": \"https://example.com/s.json\"}}}").field())
                .isEqualTo("s.properties.a.$ref");
        assertThat(refused("s", "{\"$ref\": \"other.json\"}").field()).isEqualTo("s.$ref");
    }

    @Test
    void validate_validPayload_noDetails() {
        JsonNode ok = Json.read("{\"title\": \"XSS\", \"severity\": 6, \"seenAt\": \"2026-11-23T10:00:00Z\", \"hosts\": [{\"name\": \"db1\"}]}");
        assertThat(JsonSchemas.validate("payload", FINDING, ok)).isEmpty();
    }

    @Test
    void validate_severalFailures_allListedWithNestedPaths() {
        JsonNode bad = Json.read("{\"title\": \"\", \"severity\": 11, \"hosts\": [{\"name\": \"a\"}, {\"name\": \"b\"}, {}]}");
        List<Detail> details = JsonSchemas.validate("payload", FINDING, bad);
        assertThat(details).extracting(Detail::field)
                .contains("payload.title", "payload.severity", "payload.hosts[2]");
        assertThat(details).allSatisfy(d -> assertThat(d.message()).isNotBlank());
    }

    @Test
    void validate_missingRequired_namesTheObject() {
        List<Detail> details = JsonSchemas.validate("payload", FINDING, Json.read("{\"title\": \"x\"}"));
        assertThat(details).hasSize(1);
        assertThat(details.getFirst().field()).isEqualTo("payload");
        assertThat(details.getFirst().message()).contains("severity");
    }

    @Test
    void validate_formatsAreAsserted() {
        JsonNode bad = Json.read("{\"title\": \"x\", \"severity\": 1, \"seenAt\": \"yesterday\", \"reporter\": \"not-an-email\"}");
        assertThat(JsonSchemas.validate("payload", FINDING, bad)).extracting(Detail::field)
                .containsExactlyInAnyOrder("payload.seenAt", "payload.reporter");
    }

    @Test
    void check_dialects_applyTheirOwnRules() {
        // An array of item schemas is draft-07's tuple form; draft 2020-12 (the default) refuses it.
        String tuple = "\"items\": [{\"type\": \"string\"}]";
        assertThatCode(() -> JsonSchemas.check("s", Json.read("{\"$schema\": \"http://json-schema.org/draft-07/schema#\", " + tuple + "}")))
                .doesNotThrowAnyException();
        assertThat(refused("s", "{" + tuple + "}").field()).isEqualTo("s");
    }

    @Test
    void check_referenceToNothing_refusedAsUnusable() {
        HeraldException.InvalidInput e = refused("s", "{\"properties\": {\"a\": {\"$ref\": \"#/$defs/missing\"}}}");
        assertThat(e.field()).isEqualTo("s");
        assertThat(e.reason()).startsWith("cannot be used");
    }

    @Test
    void check_schemaThatRefersToItselfWithoutEnd_refusedNotCrashed() {
        assertThat(refused("s", "{\"allOf\": [{\"$ref\": \"#\"}]}").field()).isEqualTo("s");
    }

    @Test
    void check_unusableSchema_invalidPattern_refused() {
        assertThatThrownBy(() -> JsonSchemas.check("s", Json.read("{\"pattern\": \"([a-z\"}")))
                .isInstanceOf(HeraldException.InvalidInput.class);
    }

    @Test
    void validate_backtrackingPattern_runsInLinearTime() {
        // ^(.*a){12}$ against 33 characters took 7.4 s per publish with java.util.regex.
        JsonNode schema = Json.read("{\"properties\": {\"s\": {\"type\": \"string\", \"pattern\": \"^(.*a){12}$\"}}}");
        JsonSchemas.check("schemas", schema);

        long started = System.nanoTime();
        var failures = JsonSchemas.validate("payload", schema, Json.read("{\"s\": \"" + "a".repeat(32) + "b\"}"));

        assertThat(failures).singleElement().satisfies(d -> assertThat(d.field()).isEqualTo("payload.s"));
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isLessThan(java.time.Duration.ofMillis(500));
        assertThat(JsonSchemas.validate("payload", schema, Json.read("{\"s\": \"" + "a".repeat(12) + "\"}"))).isEmpty();
    }

    @Test
    void check_patternsRe2CannotRun_refusedNamingThePattern() {
        HeraldException.InvalidInput backreference = refused("schemas",
                "{\"properties\": {\"s\": {\"type\": \"string\", \"pattern\": \"(a)\\\\1\"}}}");
        assertThat(backreference.details()).anySatisfy(d -> assertThat(d.field()).contains("pattern"));

        HeraldException.InvalidInput lookahead = refused("schemas", "{\"patternProperties\": {\"^(?=x)\": {}}}");
        assertThat(lookahead.field()).isEqualTo("schemas");
    }
}
