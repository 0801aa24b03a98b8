package io.herald.api;

import io.herald.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * HTTP/1.1 over a plain socket, byte for byte as the test writes it: for requests no well-behaved
 * client sends (invalid UTF-8, conflicting lengths, raw escapes, oversized heads). One request per
 * connection; a read that takes longer than 10 s fails the test as a hang.
 */
final class RawHttp {
    private final int port;
    private final String token;

    RawHttp(int port, String token) {
        this.port = port;
        this.token = token;
    }

    record Answer(int status, Map<String, String> headers, String body) {
        /** The problem document, or null when the body is not JSON. */
        JsonNode json() {
            try {
                return body.isEmpty() ? null : Json.read(body);
            } catch (RuntimeException e) {
                return null;
            }
        }

        String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }

        /** The {@code field}s the problem's {@code errors} name. */
        List<String> fields() {
            JsonNode p = json();
            if (p == null || p.get("errors") == null) {
                return List.of();
            }
            return p.get("errors").valueStream().map(e -> e.get("field").asString()).toList();
        }
    }

    /** {@code method target} with the admin token, {@code extraHeaders} as given (CRLF-separated lines), and {@code body}. */
    Answer send(String method, String target, String extraHeaders, byte[] body) {
        StringBuilder head = new StringBuilder();
        head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:").append(port).append("\r\n")
                .append("Connection: close\r\n");
        if (token != null) {
            head.append("Authorization: Bearer ").append(token).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Type: application/json\r\n");
            if (extraHeaders == null || !extraHeaders.toLowerCase(java.util.Locale.ROOT).contains("content-length")) {
                head.append("Content-Length: ").append(body.length).append("\r\n");
            }
        }
        if (extraHeaders != null && !extraHeaders.isEmpty()) {
            head.append(extraHeaders);
            if (!extraHeaders.endsWith("\r\n")) {
                head.append("\r\n");
            }
        }
        head.append("\r\n");
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
                if (body != null) {
                    out.write(body);
                }
                out.flush();
            } catch (IOException refusedEarly) {
                // The server may answer and close before reading all that was sent; read its answer.
            }
            return parse(s.getInputStream().readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + target + ": " + e.getMessage(), e);
        }
    }

    Answer send(String method, String target, String body) {
        return send(method, target, null, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    private static Answer parse(byte[] raw) {
        String text = new String(raw, StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new AssertionError("no complete HTTP response: " + text);
        }
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).strip().toLowerCase(java.util.Locale.ROOT), lines[i].substring(colon + 1).strip());
        }
        String body = text.substring(end + 4);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        }
        return new Answer(status, headers, body);
    }

    private static String dechunk(String chunked) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (at < chunked.length()) {
            int eol = chunked.indexOf("\r\n", at);
            int size = Integer.parseInt(chunked.substring(at, eol).split(";")[0].strip(), 16);
            if (size == 0) {
                break;
            }
            out.append(chunked, eol + 2, eol + 2 + size);
            at = eol + 2 + size + 2;
        }
        return out.toString();
    }
}
