package io.herald.auth;

import java.util.Objects;

/**
 * Who is calling, as a bearer token says: an admin reaches everything; an application token only
 * the application it was issued for ({@code appId}, an id, never a uid), and with
 * {@code readOnly} only to read. {@code tokenHash} identifies the credential without holding it.
 */
public record Principal(Role role, String appId, boolean readOnly, String tokenHash) {
    public enum Role { ADMIN, APP }

    public Principal {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(tokenHash, "tokenHash");
        if ((role == Role.APP) != (appId != null)) {
            throw new IllegalArgumentException("an application token names its application, and only it does");
        }
    }

    public boolean isAdmin() {
        return role == Role.ADMIN;
    }

    /** Whether this principal may act on the application whose id is {@code applicationId}. */
    public boolean reaches(String applicationId) {
        return isAdmin() || appId.equals(applicationId);
    }
}
