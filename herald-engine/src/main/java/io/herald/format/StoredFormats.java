package io.herald.format;

import io.herald.HeraldException;
import io.herald.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;

/**
 * Formats by their stored spec text, parsed once. The dispatcher asks on every delivery; parsing a
 * template spec compiles the template, which is worth not repeating.
 */
final class StoredFormats {
    /**
     * Endpoints with a non-default format are few; 256 entries cover them, and even if every entry
     * held a 64 KiB template the cache would stay near 16 MiB of text.
     */
    static final int CAPACITY = 256;

    // Access-ordered: the least recently used spec is dropped first.
    private static final Map<String, Format> CACHE = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Format> eldest) {
            return size() > CAPACITY;
        }
    };

    private StoredFormats() {}

    static Format get(String specJson) {
        if (specJson == null) {
            return Format.JSON;
        }
        synchronized (CACHE) {
            Format cached = CACHE.get(specJson);
            if (cached != null) {
                return cached;
            }
        }
        // Parsed outside the lock: two threads may parse the same text at once; both results are
        // equal and the first one stored wins.
        Format parsed = parse(specJson);
        synchronized (CACHE) {
            Format raced = CACHE.putIfAbsent(specJson, parsed);
            return raced != null ? raced : parsed;
        }
    }

    private static Format parse(String specJson) {
        try {
            return Specs.parse("format", Json.read(specJson));
        } catch (JacksonException | HeraldException.InvalidInput e) {
            throw new IllegalStateException("stored format spec does not parse: " + e.getMessage(), e);
        }
    }

    static int size() {
        synchronized (CACHE) {
            return CACHE.size();
        }
    }
}
