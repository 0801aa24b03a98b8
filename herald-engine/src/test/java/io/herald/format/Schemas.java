package io.herald.format;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.herald.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** The test-resource JSON Schemas for what Slack and Teams accept, and a check against them. */
final class Schemas {
    static final Schema SLACK = load("/schema/slack-message.schema.json");
    static final Schema TEAMS = load("/schema/teams-message.schema.json");

    private Schemas() {}

    /** The schema's complaints about {@code body}; empty when it conforms. */
    static List<String> errors(Schema schema, String body) {
        return schema.validate(Json.read(body)).stream().map(Error::toString).toList();
    }

    private static Schema load(String resource) {
        try (InputStream in = Schemas.class.getResourceAsStream(resource)) {
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
