package io.herald.format;

import io.herald.BoundedCache;
import io.herald.HeraldException;
import io.herald.Json;
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

    private static final BoundedCache<Format> CACHE = new BoundedCache<>(CAPACITY);

    private StoredFormats() {}

    static Format get(String specJson) {
        if (specJson == null) {
            return Format.JSON;
        }
        return CACHE.get(specJson, StoredFormats::parse);
    }

    private static Format parse(String specJson) {
        try {
            return Specs.parse("format", Json.read(specJson));
        } catch (JacksonException | HeraldException.InvalidInput e) {
            throw new IllegalStateException("stored format spec does not parse: " + e.getMessage(), e);
        }
    }

    static int size() {
        return CACHE.size();
    }
}
