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

    /** The store could not be reached or cannot take writes; the operation had no effect. */
    public static final class StoreUnavailable extends HeraldException {
        /** Why, in the operator's terms. */
        public enum Reason {
            /** No connection, a broken one, or the server shutting down or refusing connections. */
            UNREACHABLE("unreachable", "the database cannot be reached"),
            /** The database's disk (or SQLite's file system) is full. */
            DISK_FULL("disk_full", "the database's disk is full"),
            /** The database takes no writes (a read-only file, mount or server). */
            READ_ONLY("read_only", "the database is read-only"),
            /** This node is stopping. */
            CLOSED("closed", "this node is shutting down");

            public final String code;
            public final String description;

            Reason(String code, String description) {
                this.code = code;
                this.description = description;
            }
        }

        private final Reason reason;

        public StoreUnavailable(String message, Throwable cause) {
            this(Reason.UNREACHABLE, message, cause);
        }

        public StoreUnavailable(Reason reason, String message, Throwable cause) {
            super(message, cause);
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }

        @Override
        public String code() {
            return "store_unavailable";
        }
    }

    /**
     * The connection to the database broke while a transaction was being committed: it may or may
     * not have been written. Only a later read can tell: a retry with the same idempotency key (which
     * reuses the id reserved under it) or the same {@code eventId} does.
     */
    public static final class CommitUnknown extends HeraldException {
        public CommitUnknown(String message, Throwable cause) {
            super(message, cause);
        }

        @Override
        public String code() {
            return "commit_unknown";
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
