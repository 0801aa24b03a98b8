package io.herald.web;

import io.herald.app.Application;
import io.herald.endpoint.Endpoint;
import java.util.List;

/** What the pages show, one record per page. Public only because the compiled templates live in another package. */
public final class Views {
    private Views() {}

    /** The sign-in form; {@code error} is shown above it when the last try failed. */
    public record SignIn(String error) {}

    /**
     * The applications list: {@code q} as searched, {@code older}/{@code newer} the links to the
     * next and previous pages (null when there is none).
     */
    public record Apps(String q, List<Application> apps, String older, String newer, boolean canCreate) {}

    /** The new-application form as filled in, and the field that was refused with why. */
    public record AppForm(String name, String uid, String errorField, String error) {
        public boolean nameError() {
            return "name".equals(errorField);
        }

        public boolean uidError() {
            return "uid".equals(errorField);
        }

        /** A refusal that names neither field (shown above the form). */
        public boolean otherError() {
            return error != null && !nameError() && !uidError();
        }
    }

    /** One application with the first of its endpoints. */
    public record App(Application app, List<Endpoint> endpoints, boolean moreEndpoints) {}

    /** An error page. */
    public record Problem(int status, String title, String message) {}
}
