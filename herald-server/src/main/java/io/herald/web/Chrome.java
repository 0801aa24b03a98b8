package io.herald.web;

import io.herald.auth.Principal;

/**
 * What the layout of every page needs: its title, the fingerprinted asset paths, the session's
 * CSRF token (null when signed out), whom the session speaks for (null when signed out), and
 * whether the page is the portal's (an application's own pages, with its own home and sign-out)
 * or the console's. Public only because the compiled templates live in another package.
 */
public record Chrome(String title, String cssPath, String htmxPath, String csrf, String signedInAs, boolean portal,
                     String home) {
    public boolean signedIn() {
        return csrf != null;
    }

    public String signOut() {
        return portal ? "/portal/sign-out" : "/console/sign-out";
    }

    /** The chrome of a page under {@code path} for a session's {@code principal} (null when none). */
    static Chrome of(String path, String title, String cssPath, String htmxPath, String csrf, Principal principal) {
        boolean portal = Sessions.Cookie.of(path) == Sessions.Cookie.PORTAL;
        String home = !portal ? "/console/apps"
                : principal != null && principal.appId() != null ? "/portal/app/" + WebHandler.encode(principal.appId()) + "/endpoints" : null;
        return new Chrome(title, cssPath, htmxPath, csrf, principal == null ? null : principal.role().wire(), portal, home);
    }
}
