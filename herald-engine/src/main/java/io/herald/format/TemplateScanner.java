package io.herald.format;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * Finds the first structural mistake in a Mustache template and says where it is. jmustache
 * reports only a line, and takes an unclosed <code>{{</code> for literal text; a template author
 * deserves a line and a column, and an unclosed tag is almost always a typo. Accepting a template
 * still needs jmustache to compile it too: this scanner is stricter, never more lenient.
 *
 * <p>Partials ({@code {{>name}}}) and parents ({@code {{<name}}}) are refused: a format's template
 * is self-contained and has nothing to load them from.
 */
final class TemplateScanner {
    /** A mistake at a 1-based line and column (counted in Unicode code points). */
    record Problem(int line, int column, String message) {
        @Override
        public String toString() {
            return "line " + line + ", column " + column + ": " + message;
        }
    }

    private record Open(char sigil, String name, int at) {}

    private final String text;
    private String open = "{{";
    private String close = "}}";

    private TemplateScanner(String text) {
        this.text = text;
    }

    static Optional<Problem> check(String template) {
        return Optional.ofNullable(new TemplateScanner(template).scan());
    }

    private Problem scan() {
        Deque<Open> sections = new ArrayDeque<>();
        int pos = 0;
        int start;
        while ((start = text.indexOf(open, pos)) >= 0) {
            int contentStart = start + open.length();
            String content;
            if (open.equals("{{") && close.equals("}}") && text.startsWith("{", contentStart)) {
                int end = text.indexOf("}}", contentStart + 1);
                if (end < 0) {
                    return problem(start, "\"{{{\" is never closed by \"}}}\"");
                }
                if (!text.startsWith("}}}", end)) {
                    return problem(start,
                            "\"" + shown(start, end + 2) + "\" opens with \"{{{\" but does not close with \"}}}\"");
                }
                if (text.substring(contentStart + 1, end).isBlank()) {
                    return problem(start, "tag \"" + shown(start, end + 3) + "\" has no name");
                }
                pos = end + 3;
                continue;
            }
            int end = text.indexOf(close, contentStart);
            if (end < 0) {
                return problem(start, "\"" + open + "\" is never closed by \"" + close + "\"");
            }
            content = text.substring(contentStart, end);
            String tag = shown(start, end + close.length());
            pos = end + close.length();
            char sigil = content.isEmpty() ? ' ' : content.charAt(0);
            String name = "#^/&$><=!".indexOf(sigil) >= 0 ? content.substring(1).strip() : content.strip();
            switch (sigil) {
                case '!' -> { }
                case '=' -> {
                    Problem p = setDelimiters(start, content);
                    if (p != null) {
                        return p;
                    }
                }
                case '>' -> {
                    return problem(start,
                            "partials such as \"" + tag + "\" are not supported; the template must be self-contained");
                }
                case '<' -> {
                    return problem(start, "template inheritance such as \"" + tag + "\" is not supported");
                }
                case '#', '^', '$' -> {
                    if (name.isEmpty()) {
                        return problem(start, "section tag \"" + tag + "\" has no name");
                    }
                    sections.push(new Open(sigil, name, start));
                }
                case '/' -> {
                    if (sections.isEmpty()) {
                        return problem(start, "\"" + tag + "\" closes a section that was never opened");
                    }
                    Open top = sections.pop();
                    if (!top.name().equals(name)) {
                        int[] lc = lineColumn(top.at());
                        return problem(start, "\"" + tag + "\" does not close the open section \"" + open + top.sigil()
                                + top.name() + close + "\" from line " + lc[0] + ", column " + lc[1]);
                    }
                }
                default -> {
                    if (name.isEmpty()) {
                        return problem(start, "tag \"" + tag + "\" has no name");
                    }
                }
            }
        }
        if (!sections.isEmpty()) {
            Open unclosed = sections.getLast(); // the outermost: closing it explains the inner ones too
            return problem(unclosed.at(), "section \"" + open + unclosed.sigil() + unclosed.name() + close
                    + "\" is never closed");
        }
        return null;
    }

    /** A set-delimiter tag such as {@code {{=<% %>=}}}, with the pairs jmustache accepts. */
    private Problem setDelimiters(int start, String content) {
        String[] pair = content.length() >= 2 && content.endsWith("=")
                ? content.substring(1, content.length() - 1).strip().split(" ", -1)
                : new String[0];
        if (pair.length != 2 || !delimiter(pair[0]) || !delimiter(pair[1])) {
            return problem(start, "a set-delimiter tag needs two delimiters of one or two characters separated by"
                    + " one space, e.g. {{=<% %>=}}");
        }
        open = pair[0];
        close = pair[1];
        return null;
    }

    private static boolean delimiter(String d) {
        return (d.length() == 1 || d.length() == 2) && d.chars().noneMatch(c -> Character.isWhitespace(c) || c == '=');
    }

    private String shown(int from, int to) {
        return Text.truncate(text.substring(from, to), 60);
    }

    private Problem problem(int at, String message) {
        int[] lc = lineColumn(at);
        return new Problem(lc[0], lc[1], message);
    }

    private int[] lineColumn(int at) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < at; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new int[] {line, text.codePointCount(lineStart, at) + 1};
    }
}
