package io.herald.auth;

import java.util.Objects;

/**
 * Who is calling, as a bearer token says: an admin reaches everything; a viewer reads everything
 * but credentials and changes nothing; an application token only the application it was issued
 * for ({@code appId}, an id, never a uid), and with {@code readOnly} only to read.
 * {@code tokenHash} identifies the credential without holding it; {@code tokenId} is the id the
 * token API and the audit log show.
 */
public record Principal(Role role, String appId, boolean readOnly, String tokenHash, String tokenId) {
    public enum Role {
        ADMIN, VIEWER, APP;

        /** As stored and shown: {@code admin}, {@code viewer}, {@code app}. */
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Principal {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(tokenHash, "tokenHash");
        Objects.requireNonNull(tokenId, "tokenId");
        if ((role == Role.APP) != (appId != null)) {
            throw new IllegalArgumentException("an application token names its application, and only it does");
        }
        if (role == Role.VIEWER && !readOnly) {
            throw new IllegalArgumentException("a viewer is read-only");
        }
        if (role == Role.ADMIN && readOnly) {
            throw new IllegalArgumentException("an admin is not read-only");
        }
    }

    public boolean isAdmin() {
        return role == Role.ADMIN;
    }

    public boolean isViewer() {
        return role == Role.VIEWER;
    }

    /** Whether this principal may act on the application whose id is {@code applicationId}. */
    public boolean reaches(String applicationId) {
        return appId == null || appId.equals(applicationId);
    }
}
