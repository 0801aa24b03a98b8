package io.herald;

/**
 * Root of every exception Herald throws on purpose. The API maps each subclass to one HTTP status
 * in exactly one place; anything else that escapes is a bug and becomes a 500.
 */
public abstract class HeraldException extends RuntimeException {
    protected HeraldException(String message) {
        super(message);
    }

    protected HeraldException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A short machine-readable code, as Svix puts in {@code code}. */
    public abstract String code();

    /** A resource addressed by id or uid does not exist (or is not visible to the caller). */
    public static final class NotFound extends HeraldException {
        public NotFound(String resource, String idOrUid) {
            super(resource + " '" + idOrUid + "' not found");
        }

        @Override
        public String code() {
            return "not_found";
        }
    }

    /** The request conflicts with stored state: duplicate uid, duplicate eventId. */
    public static final class Conflict extends HeraldException {
        private final String field;

        public Conflict(String field, String message) {
            super(message);
            this.field = field;
        }

        public String field() {
            return field;
        }

        @Override
        public String code() {
            return "conflict";
        }
    }

    /** One input field is invalid. {@code field} is a dotted path, e.g. {@code filterTypes[2]}. */
    public static final class InvalidInput extends HeraldException {
        private final String field;
        private final java.util.List<Detail> details;

        public InvalidInput(String field, String message) {
            this(field, message, java.util.List.of());
        }

        /**
         * One field is invalid in several places, e.g. a payload that fails its schema at several
         * paths; each {@link Detail} names one of them.
         */
        public InvalidInput(String field, String message, java.util.List<Detail> details) {
            super(field + ": " + message);
            this.field = field;
            this.details = java.util.List.copyOf(details);
        }

        /** One failing place inside the field: a path such as {@code payload.severity}, and why. */
        public record Detail(String field, String message) {}

        public String field() {
            return field;
        }

        /** The failing places inside {@link #field()}; empty when the message says it all. */
        public java.util.List<Detail> details() {
            return details;
        }

        /** The same failure, for a field nested under {@code parent} (e.g. {@code application.name}). */
        public InvalidInput under(String parent) {
            return new InvalidInput(parent + "." + field, reason(),
                    details.stream().map(d -> new Detail(parent + "." + d.field(), d.message())).toList());
        }

        public String reason() {
            String m = getMessage();
            return m.substring(field.length() + 2);
        }

        @Override
        public String code() {
            return "validation";
        }
    }

    /** The store could not be reached or failed; the operation had no effect. */
    public static final class StoreUnavailable extends HeraldException {
        public StoreUnavailable(String message, Throwable cause) {
            super(message, cause);
        }

        @Override
        public String code() {
            return "store_unavailable";
        }
    }

    /**
     * Herald has no room for this work now (its pool for tenant-written work is full); nothing was
     * written, and the same request may succeed later.
     */
    public static final class Overloaded extends HeraldException {
        public Overloaded(String message) {
            super(message);
        }

        @Override
        public String code() {
            return "overloaded";
        }
    }
}
