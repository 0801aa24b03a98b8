package io.herald;

import java.util.Collection;
import java.util.Map;
import java.util.regex.Pattern;

/** Input checks shared by the engine's services. Each failure names the field. */
public final class Validate {
    /** Svix's pattern for uids, event type names and channel names. */
    private static final Pattern IDENT = Pattern.compile("^[a-zA-Z0-9\\-_.]+$");
    private static final Pattern CHANNEL = Pattern.compile("^[a-zA-Z0-9\\-_.:]+$");
    private static final Pattern HEADER_NAME = Pattern.compile("^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$");

    private Validate() {}

    public static String required(String field, String value) {
        if (value == null) {
            throw new HeraldException.InvalidInput(field, "is required");
        }
        return value;
    }

    public static String length(String field, String value, int min, int max) {
        if (value != null && (value.length() < min || value.length() > max)) {
            throw new HeraldException.InvalidInput(field, "must be " + min + " to " + max + " characters long");
        }
        return value;
    }

    public static String uid(String field, String value) {
        if (value == null) {
            return null;
        }
        length(field, value, 1, 256);
        if (!IDENT.matcher(value).matches()) {
            throw new HeraldException.InvalidInput(field, "may contain only letters, digits, '-', '_' and '.'");
        }
        return value;
    }

    public static String eventTypeName(String field, String value) {
        required(field, value);
        length(field, value, 1, 256);
        if (!IDENT.matcher(value).matches()) {
            throw new HeraldException.InvalidInput(field, "may contain only letters, digits, '-', '_' and '.'");
        }
        return value;
    }

    public static void channels(String field, Collection<String> channels) {
        if (channels == null) {
            return;
        }
        if (channels.size() > 10) {
            throw new HeraldException.InvalidInput(field, "may hold at most 10 channels");
        }
        int i = 0;
        for (String c : channels) {
            String f = field + "[" + i++ + "]";
            required(f, c);
            channel(f, c);
        }
    }

    /** One channel name, e.g. a list filter; null passes. */
    public static String channel(String field, String value) {
        if (value == null) {
            return null;
        }
        length(field, value, 1, 128);
        if (!CHANNEL.matcher(value).matches()) {
            throw new HeraldException.InvalidInput(field, "may contain only letters, digits, '-', '_', '.' and ':'");
        }
        return value;
    }

    public static Integer range(String field, Integer value, int min, int max) {
        if (value != null && (value < min || value > max)) {
            throw new HeraldException.InvalidInput(field, "must be between " + min + " and " + max);
        }
        return value;
    }

    /** Metadata of an application or endpoint: at most this many keys. */
    public static final int MAX_METADATA_KEYS = 100;
    /** The longest metadata key, and the longest value. */
    public static final int MAX_METADATA_KEY = 256;
    public static final int MAX_METADATA_VALUE = 4096;

    public static void metadata(String field, Map<String, String> metadata) {
        if (metadata == null) {
            return;
        }
        if (metadata.size() > MAX_METADATA_KEYS) {
            throw new HeraldException.InvalidInput(field, "may hold at most " + MAX_METADATA_KEYS + " keys");
        }
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            String f = field + "." + e.getKey();
            if (e.getValue() == null) {
                throw new HeraldException.InvalidInput(f, "must be a string");
            }
            if (e.getKey().isEmpty() || e.getKey().length() > MAX_METADATA_KEY) {
                throw new HeraldException.InvalidInput(f, "must be a key of 1 to " + MAX_METADATA_KEY + " characters");
            }
            if (e.getValue().length() > MAX_METADATA_VALUE) {
                throw new HeraldException.InvalidInput(f, "must be at most " + MAX_METADATA_VALUE + " characters long");
            }
        }
    }

    public static void headerName(String field, String name) {
        if (name == null || name.isEmpty() || name.length() > 256 || !HEADER_NAME.matcher(name).matches()) {
            throw new HeraldException.InvalidInput(field, "is not a valid HTTP header name");
        }
    }
}
