package io.herald.message;

import io.herald.app.Application;
import io.herald.endpoint.Endpoints;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What publish reads before it writes, kept on this node: per application, the application and
 * its enabled endpoints with their keys, as of the application's {@code config_version}; per event
 * type, the schemas it enforces, as of the catalog's version. A publish that finds both here reads
 * nothing: its message's insert checks, in the same statement, that both versions are still those
 * of the database (see {@link Messages}), and a publish that finds them moved reads afresh and
 * writes again. Triggers move the versions (migration V19_1), whichever node or statement makes the
 * change, so a snapshot is never used past a change committed before the insert that relies on it.
 *
 * <p>Bounded: at most {@link #MAX_ENDPOINTS} endpoints (an application counts one more than its
 * endpoints) and {@link #MAX_EVENT_TYPES} event types, the least recently used dropped first; an
 * application with more endpoints than the bound is never kept. Holds signing keys in clear, as an
 * attempt does while it runs.
 */
final class PublishSnapshots {
    static final int MAX_ENDPOINTS = 20_000;
    static final int MAX_EVENT_TYPES = 1_024;

    /** An application and its enabled endpoints, as of {@code version}. */
    record App(Application app, long version, List<Endpoints.Sendable> enabled) {
        int weight() {
            return 1 + enabled.size();
        }
    }

    /** The schemas an event type enforces (null: none), as of the catalog's {@code version}. */
    record Schemas(long version, String enforced) {}

    private final Weighted<App> apps = new Weighted<>(MAX_ENDPOINTS);
    private final Weighted<Schemas> schemas = new Weighted<>(MAX_EVENT_TYPES);

    /** The snapshot kept for an application addressed by {@code idOrUid}; null when none is. */
    App app(String idOrUid) {
        return apps.get(idOrUid);
    }

    /** Keeps {@code app} for {@code idOrUid}, unless a newer one is kept already. */
    void keep(String idOrUid, App app) {
        apps.put(idOrUid, app, app.weight(),
                (kept, given) -> kept.app().id().equals(given.app().id()) && kept.version() > given.version());
    }

    /** The event type's schemas kept; null when none are. */
    Schemas schemas(String eventType) {
        return schemas.get(eventType);
    }

    void keep(String eventType, Schemas s) {
        schemas.put(eventType, s, 1, (kept, given) -> kept.version() > given.version());
    }

    /** Drops what is kept under these keys (a publish found it out of date). */
    void forget(String idOrUid, String eventType) {
        apps.remove(idOrUid);
        schemas.remove(eventType);
    }

    int appCount() {
        return apps.size();
    }

    /**
     * A least-recently-used map bounded by the sum of its values' weights. Under one lock: the work
     * in it is a few map operations, far less than the reads a hit saves.
     */
    private static final class Weighted<V> {
        private final long capacity;
        private final LinkedHashMap<String, Entry<V>> entries = new LinkedHashMap<>(64, 0.75f, true);
        private long weight;

        private record Entry<V>(V value, int weight) {}

        Weighted(long capacity) {
            this.capacity = capacity;
        }

        synchronized V get(String key) {
            Entry<V> e = entries.get(key);
            return e == null ? null : e.value();
        }

        /** Keeps {@code value} unless its weight is over the capacity or the value kept is {@code newer}. */
        synchronized void put(String key, V value, int w, java.util.function.BiPredicate<V, V> newer) {
            if (w > capacity) {
                remove(key);
                return;
            }
            Entry<V> old = entries.get(key);
            if (old != null && newer.test(old.value(), value)) {
                return;
            }
            if (old != null) {
                weight -= old.weight();
            }
            entries.put(key, new Entry<>(value, w));
            weight += w;
            var eldest = entries.entrySet().iterator();
            while (weight > capacity && eldest.hasNext()) {
                Map.Entry<String, Entry<V>> e = eldest.next();
                weight -= e.getValue().weight();
                eldest.remove();
            }
        }

        synchronized void remove(String key) {
            Entry<V> old = entries.remove(key);
            if (old != null) {
                weight -= old.weight();
            }
        }

        synchronized int size() {
            return entries.size();
        }
    }
}
