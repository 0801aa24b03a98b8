package io.herald;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A small least-recently-used cache of values derived from text (a stored spec, an expression, a
 * schema), for work worth not repeating on every delivery or publish. Values are made outside the
 * lock: two threads may make the same one at once; both are equal and the first one stored wins.
 */
public final class BoundedCache<V> {
    private final int capacity;
    private final Map<String, V> entries;

    public BoundedCache(int capacity) {
        this.capacity = capacity;
        // Access-ordered: the least recently used entry is dropped first.
        this.entries = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > BoundedCache.this.capacity;
            }
        };
    }

    public V get(String key, Function<String, V> make) {
        synchronized (entries) {
            V cached = entries.get(key);
            if (cached != null) {
                return cached;
            }
        }
        V made = make.apply(key);
        synchronized (entries) {
            V raced = entries.putIfAbsent(key, made);
            return raced != null ? raced : made;
        }
    }

    public int size() {
        synchronized (entries) {
            return entries.size();
        }
    }
}
