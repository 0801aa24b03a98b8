package io.herald.endpoint;

import java.util.Map;
import java.util.Set;

/**
 * What a caller may set on an endpoint. {@code secret}: the key on create; on update, a different
 * one is rotated in (see {@link Endpoints#update}). A null {@code policy} means the defaults.
 */
public record EndpointIn(String url, String description, String uid, Integer version, Integer rateLimit,
                         Set<String> filterTypes, Set<String> channels, Boolean disabled,
                         Map<String, String> headers, Map<String, String> metadata, String secret, DeliveryPolicy.In policy) {

    /** With the default delivery policy. */
    public EndpointIn(String url, String description, String uid, Integer version, Integer rateLimit,
                      Set<String> filterTypes, Set<String> channels, Boolean disabled,
                      Map<String, String> headers, Map<String, String> metadata, String secret) {
        this(url, description, uid, version, rateLimit, filterTypes, channels, disabled, headers, metadata, secret, null);
    }
}
