package io.herald.eventtype;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaException;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.PathType;
import io.herald.BoundedCache;
import io.herald.BudgetExceeded;
import io.herald.HeraldException;
import io.herald.HeraldException.InvalidInput.Detail;
import io.herald.Json;
import io.herald.TenantWork;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * JSON Schema checks for event types, by networknt's json-schema-validator: a schema must be valid
 * against its dialect's meta-schema when saved, and payloads are validated against it at publish.
 * Draft 2020-12 applies when a schema names no {@code $schema}; 2019-09 and draft-07 are accepted
 * when named. Formats ({@code date-time}, {@code email}, {@code uri}…) are asserted.
 *
 * <p>Patterns ({@code pattern}, {@code patternProperties}) are RE2 expressions (RE2/J): linear-time,
 * so no backreferences or lookaround; a schema that uses them is refused when saved.
 *
 * <p>Not supported: references outside the schema itself. Only {@code $ref}s to {@code #…} are
 * accepted, so validating never touches the network or the file system.
 */
public final class JsonSchemas {
    private static final Map<String, String> DIALECTS = Map.of(
            "https://json-schema.org/draft/2020-12/schema", "https://json-schema.org/draft/2020-12/schema",
            "https://json-schema.org/draft/2019-09/schema", "https://json-schema.org/draft/2019-09/schema",
            "http://json-schema.org/draft-07/schema", "http://json-schema.org/draft-07/schema",
            "http://json-schema.org/draft-07/schema#", "http://json-schema.org/draft-07/schema");
    private static final String DEFAULT_DIALECT = "https://json-schema.org/draft/2020-12/schema";
    private static final int MAX_ERRORS = 50;
    private static final int CACHE_SIZE = 256;

    // Meta-schemas come from the library's jar; remote fetching is off.
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            b -> b.schemaLoader(l -> l.fetchRemoteResources(false))
                    .schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true)
                            .regularExpressionFactory(Re2jPatterns.INSTANCE)
                            .pathType(PathType.LEGACY).build()));

    private static final BoundedCache<Schema> COMPILED = new BoundedCache<>(CACHE_SIZE);

    private JsonSchemas() {}

    /**
     * Checks that {@code schema} is a usable JSON Schema; throws InvalidInput naming the failing
     * places. Runs on {@link TenantWork}: a schema is tenant-written work.
     */
    public static void check(String field, JsonNode schema) {
        try {
            TenantWork.run("the schema check", TenantWork.DEFAULT_LIMIT, () -> {
                checkHere(field, schema);
                return null;
            });
        } catch (BudgetExceeded e) {
            throw new HeraldException.InvalidInput(field, "could not be checked: " + e.getMessage());
        }
    }

    private static void checkHere(String field, JsonNode schema) {
        if (schema == null || !schema.isObject()) {
            throw new HeraldException.InvalidInput(field, "must be a JSON Schema object");
        }
        JsonNode declared = schema.get("$schema");
        String dialect = DEFAULT_DIALECT;
        if (declared != null) {
            dialect = declared.isString() ? DIALECTS.get(declared.asString()) : null;
            if (dialect == null) {
                throw new HeraldException.InvalidInput(field + ".$schema",
                        "must be draft 2020-12, 2019-09 or draft-07 (e.g. \"https://json-schema.org/draft/2020-12/schema\")");
            }
        }
        checkRefs(field, schema);
        List<Detail> problems = errors(field, REGISTRY.getSchema(SchemaLocation.of(dialect)), schema);
        if (!problems.isEmpty()) {
            throw new HeraldException.InvalidInput(field, "is not a valid JSON Schema", problems);
        }
        try {
            // Resolves every reference now: they are otherwise followed only when a payload reaches
            // them, and a broken one would fail a publish instead of this save.
            Schema compiled = compiled(schema);
            compiled.initializeValidators();
            compiled.validate(Json.MAPPER.createObjectNode());
        } catch (SchemaException | IllegalArgumentException e) {
            throw new HeraldException.InvalidInput(field, "cannot be used: " + e.getMessage());
        } catch (StackOverflowError e) {
            // The validator follows a reference cycle that never descends into the payload (e.g.
            // {"allOf": [{"$ref": "#"}]}) until the stack runs out; the stack unwinds cleanly here.
            throw new HeraldException.InvalidInput(field, "refers to itself without end (a $ref cycle that never reaches the payload)");
        }
    }

    /** Refuses references that leave the document: no network, no files. */
    private static void checkRefs(String path, JsonNode node) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                String p = path + "." + e.getKey();
                if ((e.getKey().equals("$ref") || e.getKey().equals("$dynamicRef")) && e.getValue().isString()
                        && !e.getValue().asString().startsWith("#")) {
                    throw new HeraldException.InvalidInput(p, "may only point inside the schema (\"#/$defs/…\"); remote references are not fetched");
                }
                checkRefs(p, e.getValue());
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                checkRefs(path + "[" + i + "]", node.get(i));
            }
        }
    }

    /**
     * The places where {@code instance} fails {@code schema} (checked already), as paths under
     * {@code root}, e.g. {@code payload.hosts[2].name}; empty when it is valid.
     */
    public static List<Detail> validate(String root, JsonNode schema, JsonNode instance) {
        return errors(root, compiled(schema), instance);
    }

    /**
     * As {@link #validate(String, JsonNode, JsonNode)}, with the compiled schema cached under
     * {@code key} (e.g. the stored text it comes from), so a hit neither parses nor serializes it.
     */
    public static List<Detail> validate(String root, String key, java.util.function.Supplier<JsonNode> schema, JsonNode instance) {
        return errors(root, COMPILED.get("stored:" + key, k -> compile(schema.get())), instance);
    }

    private static List<Detail> errors(String root, Schema schema, JsonNode instance) {
        List<Detail> out = new ArrayList<>();
        List<Error> errors;
        try {
            errors = schema.validate(instance);
        } catch (StackOverflowError e) {
            // A cycle only some payloads reach (saved schemas were tried on an empty object).
            return List.of(new Detail(root, "could not be validated: the schema refers to itself without end for this payload"));
        }
        Iterator<Error> it = errors.iterator();
        while (it.hasNext() && out.size() < MAX_ERRORS) {
            Error e = it.next();
            out.add(new Detail(root + relative(e.getInstanceLocation().toString()), e.getMessage()));
        }
        return out;
    }

    /** {@code $.a.b[2]} becomes {@code .a.b[2]} (odd keys as {@code ['a b']}); the root itself becomes empty. */
    static String relative(String location) {
        return location.startsWith("$") ? location.substring(1) : location.isEmpty() ? "" : "." + location;
    }

    private static Schema compiled(JsonNode schema) {
        return COMPILED.get(Json.write(schema), text -> compile(schema));
    }

    private static Schema compile(JsonNode schema) {
        return REGISTRY.getSchema(SchemaLocation.of("urn:herald:schema"), schema);
    }
}
