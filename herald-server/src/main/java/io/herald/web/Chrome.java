package io.herald.web;

/**
 * What the layout of every page needs: its title, the fingerprinted asset paths, the session's
 * CSRF token (null when signed out) and whom the session speaks for (null when signed out).
 * Public only because the compiled templates live in another package.
 */
public record Chrome(String title, String cssPath, String htmxPath, String csrf, String signedInAs) {
    public boolean signedIn() {
        return csrf != null;
    }
}
