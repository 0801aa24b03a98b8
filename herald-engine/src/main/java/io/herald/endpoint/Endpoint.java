package io.herald.endpoint;

import io.herald.filter.PayloadFilter;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * A subscription of one application: where to deliver, and which messages. {@code filterTypes}
 * and {@code channels} are null when unrestricted; {@code policy} says how to deliver, {@code health} how
 * its receiver has been answering. Secrets are not part of this value; see
 * {@link Endpoints#secrets}.
 */
public record Endpoint(String id, String appId, String uid, String url, String description, int version,
                       Integer rateLimit, Set<String> filterTypes, Set<String> channels, boolean disabled,
                       Map<String, String> headers, Map<String, String> metadata, Instant createdAt, Instant updatedAt,
                       DeliveryPolicy policy, Health health) {

    /** With no health recorded yet: a new endpoint's. */
    public Endpoint(String id, String appId, String uid, String url, String description, int version, Integer rateLimit,
                    Set<String> filterTypes, Set<String> channels, boolean disabled, Map<String, String> headers,
                    Map<String, String> metadata, Instant createdAt, Instant updatedAt, DeliveryPolicy policy) {
        this(id, appId, uid, url, description, version, rateLimit, filterTypes, channels, disabled, headers, metadata,
                createdAt, updatedAt, policy, Health.NEW);
    }

    /** True when a message of {@code eventType} on {@code messageChannels} is for this endpoint. */
    public boolean subscribesTo(String eventType, Set<String> messageChannels) {
        if (disabled) {
            return false;
        }
        if (filterTypes != null && filterTypes.stream().noneMatch(f -> typeMatches(f, eventType))) {
            return false;
        }
        // A global endpoint (no channels) receives everything; a scoped one only its channels.
        return channels == null || (messageChannels != null && messageChannels.stream().anyMatch(channels::contains));
    }

    /** True when the payload filter, if any, lets the message through; {@code subject} is made on first need. */
    public boolean passesFilter(java.util.function.Supplier<PayloadFilter.Subject> subject) {
        return policy.filter() == null || PayloadFilter.cached(policy.filter()).matches(subject.get());
    }

    /** Without header values, which may be credentials. */
    @Override
    public String toString() {
        return "Endpoint[id=" + id + ", appId=" + appId + ", uid=" + uid + ", url=" + url + ", headers=" + headers.keySet()
                + ", disabled=" + disabled + "]";
    }

    static boolean typeMatches(String filter, String eventType) {
        if (filter.equals("*")) {
            return true;
        }
        if (filter.endsWith(".*")) {
            return eventType.startsWith(filter.substring(0, filter.length() - 1));
        }
        return filter.equals(eventType);
    }
}
