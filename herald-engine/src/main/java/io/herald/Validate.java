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

    public static void metadata(String field, Map<String, String> metadata) {
        if (metadata == null) {
            return;
        }
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getValue() == null) {
                throw new HeraldException.InvalidInput(field + "." + e.getKey(), "must be a string");
            }
        }
    }

    public static void headerName(String field, String name) {
        if (name == null || name.isEmpty() || !HEADER_NAME.matcher(name).matches()) {
            throw new HeraldException.InvalidInput(field, "is not a valid HTTP header name");
        }
    }
}
