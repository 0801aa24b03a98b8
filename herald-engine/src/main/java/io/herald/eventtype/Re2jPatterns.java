package io.herald.eventtype;

import com.google.re2j.Pattern;
import com.networknt.schema.regex.RegularExpression;
import com.networknt.schema.regex.RegularExpressionFactory;

/**
 * JSON Schema's {@code pattern}, {@code patternProperties} and {@code format: "regex"} by RE2/J: it
 * matches in time linear in the input, where a backtracking engine spends seconds on
 * {@code ^(.*a){12}$} against 33 characters. The price: what RE2 cannot do in linear time
 * (backreferences, lookaround) does not compile, so a schema using it is refused when saved, as a
 * pattern that is not a valid {@code regex}. Like the JSON Schema spec, a pattern matches anywhere in
 * the string unless anchored.
 */
final class Re2jPatterns implements RegularExpressionFactory {
    static final Re2jPatterns INSTANCE = new Re2jPatterns();

    private Re2jPatterns() {}

    @Override
    public RegularExpression getRegularExpression(String regex) {
        Pattern pattern = Pattern.compile(regex); // throws PatternSyntaxException: the schema is refused
        return value -> pattern.matcher(value).find();
    }
}
