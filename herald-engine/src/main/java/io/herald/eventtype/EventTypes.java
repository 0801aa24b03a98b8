package io.herald.eventtype;

import io.herald.HeraldException;
import io.herald.Json;
import io.herald.Validate;
import io.herald.store.Page;
import io.herald.store.PageRequest;
import io.herald.store.Pager;
import io.herald.store.Prepared;
import io.herald.store.Rows;
import io.herald.store.Store;
import io.herald.message.Messages;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** The event type catalog. Deleting archives unless asked to expunge. */
public final class EventTypes {
    private static final RowMapper<EventType> ROW = (rs, ctx) -> new EventType(
            rs.getString("name"), rs.getString("description"),
            rs.getString("schemas") == null ? null : Json.read(rs.getString("schemas")),
            flags(rs.getString("feature_flags"), rs.getString("feature_flag")), rs.getBoolean("archived"),
            rs.getBoolean("deprecated"), rs.getString("group_name"),
            Rows.instant(rs, "created_at"), Rows.instant(rs, "updated_at"),
            rs.getString("example") == null ? null : Json.read(rs.getString("example")), rs.getBoolean("enforce_schema"));

    private final Store store;
    private final Clock clock;

    public EventTypes(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    private static void validate(EventTypeIn in) {
        Validate.eventTypeName("name", in.name());
        Validate.required("description", in.description());
        Validate.length("description", in.description(), 0, 4096);
        JsonNode schemas = in.schemas() == null || in.schemas().isNull() ? null : in.schemas();
        if (schemas != null) {
            if (!schemas.isObject()) {
                throw new HeraldException.InvalidInput("schemas", "must be an object mapping a version to a JSON Schema");
            }
            for (Map.Entry<String, JsonNode> e : schemas.properties()) {
                if (!e.getKey().matches("[1-9][0-9]{0,8}")) {
                    throw new HeraldException.InvalidInput("schemas." + e.getKey(), "must be keyed by a version number such as \"1\"");
                }
                JsonSchemas.check("schemas." + e.getKey(), e.getValue());
            }
        }
        if (in.featureFlags() != null) {
            if (in.featureFlags().size() > 10) {
                throw new HeraldException.InvalidInput("featureFlags", "may hold at most 10 flags");
            }
            int i = 0;
            for (String f : in.featureFlags()) {
                Validate.uid("featureFlags[" + i++ + "]", Validate.required("featureFlags[" + (i - 1) + "]", f));
            }
        }
        Validate.length("groupName", in.groupName(), 1, 256);
        JsonNode example = in.example() == null || in.example().isNull() ? null : in.example();
        if (example != null && !example.isObject()) {
            throw new HeraldException.InvalidInput("example", "must be a JSON object, as payloads are");
        }
        if (example != null) {
            Messages.checkSize("example", Json.write(example));
        }
        if (Boolean.TRUE.equals(in.enforceSchema()) && (schemas == null || schemas.isEmpty())) {
            throw new HeraldException.InvalidInput("enforceSchema", "needs a schema to enforce; set schemas too");
        }
        JsonNode latest = EventType.latest(schemas);
        if (example != null && latest != null) {
            var failures = JsonSchemas.validate("example", latest, example);
            if (!failures.isEmpty()) {
                throw new HeraldException.InvalidInput("example", "does not match the newest schema", failures);
            }
        }
    }

    private static final String ENFORCED_SCHEMAS = "SELECT schemas FROM event_type WHERE name = ? AND enforce_schema = ?";

    /**
     * Refuses a payload of an event type that enforces its schema when it does not match the
     * newest version; the failures name paths under {@code field}. Types that do not enforce, and
     * unknown types, accept anything.
     */
    public static void checkPayload(Handle h, String eventType, String field, JsonNode payload) {
        checkPayload(enforcedSchemas(h, eventType), eventType, field, payload);
    }

    /** The stored schemas of {@code eventType} when it enforces them, else null. */
    public static String enforcedSchemas(Handle h, String eventType) {
        // Only enforcing types are read, and only their schemas.
        return Prepared.on(h, ENFORCED_SCHEMAS).set(eventType).set(true)
                .first((rs, ctx) -> rs.getString(1)).orElse(null);
    }

    /**
     * {@link #checkPayload(Handle, String, String, JsonNode)} with the schemas {@code eventType}
     * enforces already read (null: it enforces none), for a caller that read them with more.
     */
    public static void checkPayload(String schemas, String eventType, String field, JsonNode payload) {
        if (schemas == null) {
            return;
        }
        var failures = JsonSchemas.validate(field, schemas, () -> EventType.latest(Json.read(schemas)), payload);
        if (!failures.isEmpty()) {
            throw new HeraldException.InvalidInput(field, "does not match the schema of event type '" + eventType + "' ("
                    + failures.size() + (failures.size() == 1 ? " failure" : " failures") + ")", failures);
        }
    }

    public EventType create(EventTypeIn in) {
        validate(in);
        return store.inTransaction(h -> {
            if (find(h, in.name()) != null) {
                throw new HeraldException.Conflict("name", "event type '" + in.name() + "' already exists");
            }
            insert(h, in, clock.millis());
            return find(h, in.name());
        });
    }

    private static void insert(Handle h, EventTypeIn in, long now) {
        h.createUpdate("""
                INSERT INTO event_type (name, description, schemas, feature_flags, archived, deprecated, group_name,
                                        created_at, updated_at, example, enforce_schema)
                VALUES (:name, :description, :schemas, :flags, :archived, :deprecated, :group, :now, :now, :example, :enforce)""")
                .bindMap(fields(in)).bind("now", now)
                .execute();
    }

    private static Map<String, Object> fields(EventTypeIn in) {
        Map<String, Object> m = new java.util.HashMap<>();
        m.put("name", in.name());
        m.put("description", in.description());
        m.put("schemas", schemasText(in));
        m.put("flags", in.featureFlags() == null || in.featureFlags().isEmpty() ? null
                : Json.write(new java.util.TreeSet<>(in.featureFlags())));
        m.put("archived", Boolean.TRUE.equals(in.archived()));
        m.put("deprecated", Boolean.TRUE.equals(in.deprecated()));
        m.put("group", in.groupName());
        m.put("example", exampleText(in));
        m.put("enforce", Boolean.TRUE.equals(in.enforceSchema()));
        return m;
    }

    /** The flags of a row: its list, or the one flag of a row written before lists were kept. */
    private static java.util.Set<String> flags(String list, String single) {
        if (list != null) {
            return java.util.Set.copyOf(Json.MAPPER.readValue(list, new tools.jackson.core.type.TypeReference<List<String>>() {}));
        }
        return single == null ? null : java.util.Set.of(single);
    }

    private static String schemasText(EventTypeIn in) {
        return in.schemas() == null || in.schemas().isNull() ? null : Json.write(in.schemas());
    }

    private static String exampleText(EventTypeIn in) {
        return in.example() == null || in.example().isNull() ? null : Json.write(in.example());
    }

    public Page<EventType> list(PageRequest page, boolean includeArchived) {
        String sql = "SELECT * FROM event_type WHERE " + (includeArchived ? "1 = 1" : "archived = :no");
        return store.read(h -> Pager.page(h, sql, "name", page,
                q -> { if (!includeArchived) q.bind("no", false); }, ROW, EventType::name));
    }

    public EventType get(String name) {
        return store.read(h -> {
            EventType t = find(h, name);
            if (t == null) {
                throw new HeraldException.NotFound("event type", name);
            }
            return t;
        });
    }

    /** The event type named {@code name}, if the catalog has it (archived ones included). */
    public java.util.Optional<EventType> find(String name) {
        return store.read(h -> java.util.Optional.ofNullable(find(h, name)));
    }

    static EventType find(Handle h, String name) {
        return h.createQuery("SELECT * FROM event_type WHERE name = :name").bind("name", name).map(ROW).findOne().orElse(null);
    }

    /** PUT semantics; like Svix, updating a type that does not exist creates it. */
    public Created upsert(String name, EventTypeIn in) {
        EventTypeIn named = in.named(name);
        validate(named);
        return store.inTransaction(h -> {
            if (find(h, name) == null) {
                insert(h, named, clock.millis());
                return new Created(find(h, name), true);
            }
            h.createUpdate("""
                    UPDATE event_type SET description = :description, schemas = :schemas, feature_flag = NULL,
                           feature_flags = :flags, archived = :archived, deprecated = :deprecated, group_name = :group,
                           updated_at = :now, example = :example, enforce_schema = :enforce
                    WHERE name = :name""")
                    .bindMap(fields(named)).bind("now", clock.millis())
                    .execute();
            return new Created(find(h, name), false);
        });
    }

    /**
     * The example payload {@code exampleIndex} of an event type, as JSON text: index 0 is its
     * {@code example} when it has one; the {@code examples} of its newest schema follow.
     */
    public String example(String name, int exampleIndex) {
        EventType t = store.read(h -> find(h, name));
        if (t == null) {
            throw new HeraldException.InvalidInput("eventType", "no event type named '" + name + "'");
        }
        List<JsonNode> examples = new ArrayList<>();
        if (t.example() != null) {
            examples.add(t.example());
        }
        JsonNode schema = t.latestSchema();
        JsonNode fromSchema = schema == null ? null : schema.get("examples");
        if (fromSchema != null && fromSchema.isArray()) {
            fromSchema.forEach(e -> {
                if (e.isObject()) {
                    examples.add(e);
                }
            });
        }
        if (examples.isEmpty()) {
            throw new HeraldException.InvalidInput("eventType", "event type '" + name
                    + "' has no example; set its example, or examples in its schema");
        }
        if (exampleIndex < 0 || exampleIndex >= examples.size()) {
            throw new HeraldException.InvalidInput("exampleIndex", "must be between 0 and " + (examples.size() - 1)
                    + " (event type '" + name + "' has " + examples.size() + " example" + (examples.size() == 1 ? "" : "s") + ")");
        }
        return Json.write(examples.get(exampleIndex));
    }

    /** The result of an upsert: the event type, and whether it was made now. */
    public record Created(EventType eventType, boolean created) {}

    /** Archives the type (it stays in the catalog, hidden by default); {@code expunge} removes it. */
    public void delete(String name, boolean expunge) {
        store.inTransaction(h -> {
            if (find(h, name) == null) {
                throw new HeraldException.NotFound("event type", name);
            }
            if (expunge) {
                h.createUpdate("DELETE FROM event_type WHERE name = :name").bind("name", name).execute();
            } else {
                h.createUpdate("UPDATE event_type SET archived = :yes, updated_at = :now WHERE name = :name")
                        .bind("yes", true).bind("now", clock.millis()).bind("name", name).execute();
            }
            return null;
        });
    }
}
