package io.herald.endpoint;

import io.herald.HeraldException;
import io.herald.Json;
import io.herald.secret.Keyring;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import tools.jackson.core.type.TypeReference;

/**
 * An endpoint's custom headers and which of them are sensitive. Every value is stored encrypted
 * (column {@code headers}: {@code {}} when there are none, else a sealed
 * {@code {"headers": {…}, "sensitive": […]}}); a sensitive one is also masked in API replies
 * ({@link #MASK}), and only its name is listed.
 *
 * <p>Sensitive are the names Svix treats so ({@link #ALWAYS_SENSITIVE}) and those a caller marked.
 * A mark lasts as long as the header does: replacing the headers keeps it, removing the header drops
 * it. {@code sensitive} holds lower-case names.
 */
public record CustomHeaders(Map<String, String> values, Set<String> sensitive) {
    /** What a sensitive value reads as in API replies; sent back as a value, it keeps the stored one. */
    public static final String MASK = "********";
    /** Svix's sensitive headers, lower case: credentials by their names. */
    public static final Set<String> ALWAYS_SENSITIVE = Set.of(
            "authorization", "proxy-authorization", "x-auth-token", "www-authenticate", "proxy-authenticate");
    public static final CustomHeaders NONE = new CustomHeaders(Map.of(), Set.of());

    private static final String EMPTY = "{}";
    record Stored(Map<String, String> headers, List<String> sensitive) {}

    public CustomHeaders {
        values = Map.copyOf(values);
        sensitive = Set.copyOf(sensitive);
    }

    static String place(String endpointId) {
        return "endpoint:" + endpointId + ":headers";
    }

    /**
     * Reads the {@code headers} column: sealed, or plain JSON as versions before encryption wrote it
     * (every name of {@link #ALWAYS_SENSITIVE} sensitive then). Every publish maps its endpoints'
     * headers: the empty case is spared the parser, the sealed one is cached by the keyring.
     */
    static CustomHeaders read(String column, String endpointId, Supplier<Keyring> keyring) {
        if (column == null || column.equals(EMPTY)) {
            return NONE;
        }
        if (!Keyring.isSealed(column)) {
            Map<String, String> plain = Json.MAPPER.readValue(column, new TypeReference<Map<String, String>>() {});
            return new CustomHeaders(plain, marked(plain.keySet(), Set.of()));
        }
        Stored s = Json.read(keyring.get().open(column, place(endpointId)), Stored.class);
        return new CustomHeaders(s.headers(), Set.copyOf(s.sensitive()));
    }

    /** The {@code headers} column for these headers: {@code {}}, or sealed. */
    String write(Keyring keyring, String endpointId) {
        if (values.isEmpty()) {
            return EMPTY;
        }
        return keyring.seal(Json.write(new Stored(new TreeMap<>(values), List.copyOf(new TreeSet<>(sensitive)))),
                place(endpointId));
    }

    /**
     * The headers a write leaves: {@code next}, with {@link #MASK} standing for this header's stored
     * value where this header is sensitive, sensitive where Svix's list, this one's marks or
     * {@code marks} say so. {@code marks} must name headers of {@code next} ({@code field} names them in errors).
     */
    CustomHeaders replacedBy(Map<String, String> next, Set<String> marks, String field) {
        Map<String, String> values = new LinkedHashMap<>();
        next.forEach((name, value) -> {
            String kept = MASK.equals(value) && isSensitive(name) ? storedValue(name) : null;
            values.put(name, kept != null ? kept : value);
        });
        Set<String> present = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        present.addAll(values.keySet());
        int i = 0;
        for (String mark : marks) {
            if (mark == null || !present.contains(mark)) {
                throw new HeraldException.InvalidInput(field + "[" + i + "]", "must name one of the endpoint's headers");
            }
            i++;
        }
        Set<String> lower = new TreeSet<>(sensitive);
        marks.forEach(m -> lower.add(m.toLowerCase(Locale.ROOT)));
        return new CustomHeaders(values, marked(values.keySet(), lower));
    }

    /** The lower-case names among {@code names} that are sensitive: Svix's list, or {@code marks}. */
    private static Set<String> marked(Set<String> names, Set<String> marks) {
        Set<String> out = new TreeSet<>();
        for (String n : names) {
            String lower = n.toLowerCase(Locale.ROOT);
            if (ALWAYS_SENSITIVE.contains(lower) || marks.contains(lower)) {
                out.add(lower);
            }
        }
        return out;
    }

    private String storedValue(String name) {
        return values.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue)
                .findFirst().orElse(null);
    }

    public boolean isSensitive(String name) {
        return sensitive.contains(name.toLowerCase(Locale.ROOT));
    }

    /** The headers as API replies show them: sensitive values replaced by {@link #MASK}. */
    public Map<String, String> masked() {
        Map<String, String> out = new TreeMap<>();
        values.forEach((k, v) -> out.put(k, isSensitive(k) ? MASK : v));
        return out;
    }

    /** The names of the sensitive headers, as the endpoint spells them, sorted. */
    public List<String> sensitiveNames() {
        List<String> out = new ArrayList<>();
        values.keySet().stream().filter(this::isSensitive).sorted(String.CASE_INSENSITIVE_ORDER).forEach(out::add);
        return out;
    }

    @Override
    public String toString() {
        return "CustomHeaders" + masked();
    }
}
