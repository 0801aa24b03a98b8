package io.herald.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real HTTP/1.1 receiver on 127.0.0.1 built on plain sockets, so that it can misbehave the way
 * webhook receivers do: answer any status with any headers, hang, or reset the connection. Each
 * path follows a script of replies; when the script runs out, it answers {@link #fallback}.
 * Keeps every request it read, in arrival order.
 */
public final class LoopbackReceiver implements AutoCloseable {
    /** What the receiver does with one request. */
    public sealed interface Reply {
        static Reply status(int status) {
            return new Respond(status, Map.of(), "");
        }

        static Reply status(int status, Map<String, String> headers, String body) {
            return new Respond(status, headers, body);
        }

        /** A body of any bytes, e.g. NUL or invalid UTF-8. */
        static Reply bytes(int status, byte[] body) {
            return new RespondBytes(status, body.clone());
        }

        /** Reads the request, then says nothing until the receiver closes (or {@code max} passes). */
        static Reply hang(Duration max) {
            return new Hang(max);
        }

        /** Waits {@code delay}, then does {@code then}: a slow receiver. */
        static Reply delayed(Duration delay, Reply then) {
            return new Delayed(delay, then);
        }

        /** Reads the request, then resets the TCP connection (RST, no response). */
        static Reply reset() {
            return new Reset();
        }
    }

    public record Respond(int status, Map<String, String> headers, String body) implements Reply {}

    public record RespondBytes(int status, byte[] body) implements Reply {}

    public record Hang(Duration max) implements Reply {}

    public record Reset() implements Reply {}

    public record Delayed(Duration delay, Reply then) implements Reply {}

    /** One request as it arrived; header names in lower case. */
    public record Received(String method, String path, Map<String, String> headers, byte[] body, long atNanos) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** Every header as a one-value list, the shape webhook verifiers take. */
        public Map<String, List<String>> headerLists() {
            Map<String, List<String>> out = new LinkedHashMap<>();
            headers.forEach((k, v) -> out.put(k, List.of(v)));
            return out;
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final ServerSocket server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, Deque<Reply>> scripts = new ConcurrentHashMap<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile Reply fallback = Reply.status(200);
    /** Per path: requests being answered right now, and the most there ever were at once. */
    private final Map<String, int[]> atOnce = new ConcurrentHashMap<>();

    public LoopbackReceiver() {
        try {
            server = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on loopback", e);
        }
        Thread.ofPlatform().daemon().name("receiver-accept").start(this::acceptLoop);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code http://127.0.0.1:<port><path>} */
    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    /** The replies for the next requests to {@code path}, in order; afterwards the fallback. */
    public LoopbackReceiver script(String path, Reply... replies) {
        scripts.computeIfAbsent(path, p -> new ArrayDeque<>()).addAll(List.of(replies));
        return this;
    }

    /** The reply for any request that no script covers (200 unless changed). */
    public LoopbackReceiver fallback(Reply reply) {
        this.fallback = reply;
        return this;
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** The most requests to {@code path} the receiver was answering at once (read, reply not yet written). */
    public int mostAtOnce(String path) {
        int[] n = atOnce.get(path);
        if (n == null) {
            return 0;
        }
        synchronized (n) {
            return n[1];
        }
    }

    private void answering(String path, int delta) {
        int[] n = atOnce.computeIfAbsent(path, p -> new int[2]);
        synchronized (n) {
            n[0] += delta;
            n[1] = Math.max(n[1], n[0]);
        }
    }

    public List<Received> received(String path) {
        return received.stream().filter(r -> r.path().equals(path)).toList();
    }

    /** Waits until {@code n} requests match, or fails after {@code timeout}. */
    public List<Received> await(Predicate<Received> match, int n, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Received> hits = received.stream().filter(match).toList();
            if (hits.size() >= n) {
                return hits;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + n + " matching requests within " + timeout + ", got "
                        + hits.size() + " (all received: " + received.size() + ")");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    public List<Received> await(String path, int n, Duration timeout) {
        return await(r -> r.path().equals(path), n, timeout);
    }

    private Reply next(String path) {
        Deque<Reply> q = scripts.get(path);
        if (q != null) {
            synchronized (q) {
                Reply r = q.poll();
                if (r != null) {
                    return r;
                }
            }
        }
        return fallback;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                Thread.ofVirtual().name("receiver-conn").start(() -> serve(s));
            } catch (IOException e) {
                if (!server.isClosed()) {
                    // Keep accepting: one failed accept must not stop the receiver.
                    continue;
                }
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (true) {
                Received r = read(in);
                if (r == null) {
                    return; // the client closed the connection
                }
                answering(r.path(), 1);
                received.add(r);
                try {
                    Reply reply = next(r.path());
                    while (reply instanceof Delayed d) {
                        if (closed.await(d.delay().toMillis(), TimeUnit.MILLISECONDS)) {
                            return;
                        }
                        reply = d.then();
                    }
                    switch (reply) {
                        case Respond resp -> respond(out, resp.status(), resp.headers(), resp.body().getBytes(StandardCharsets.UTF_8));
                        case RespondBytes resp -> respond(out, resp.status(), Map.of(), resp.body());
                        case Hang hang -> {
                            closed.await(hang.max().toMillis(), TimeUnit.MILLISECONDS);
                            return;
                        }
                        case Reset reset -> {
                            s.setSoLinger(true, 0);
                            return;
                        }
                        case Delayed d -> throw new IllegalStateException("unwrapped above");
                    }
                } finally {
                    answering(r.path(), -1);
                }
            }
        } catch (IOException | InterruptedException e) {
            // The client went away (or the receiver is closing): nothing to answer.
        } finally {
            open.remove(s);
        }
    }

    /** Reads one request, or returns null at a clean end of stream. Content-Length bodies only. */
    private static Received read(InputStream in) throws IOException {
        String requestLine = line(in);
        if (requestLine == null) {
            return null;
        }
        String[] parts = requestLine.split(" ");
        if (parts.length != 3) {
            throw new IOException("bad request line: " + requestLine);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
        }
        if (headers.containsKey("transfer-encoding")) {
            throw new IOException("chunked request bodies are not expected from Herald");
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        if (body.length != length) {
            throw new EOFException("body cut short");
        }
        return new Received(parts[0], parts[1], Map.copyOf(headers), body, System.nanoTime());
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    private static void respond(java.io.OutputStream out, int status, Map<String, String> headers, byte[] body)
            throws java.io.IOException {
        StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " Scripted\r\n");
        head.append("Content-Length: ").append(body.length).append("\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    @Override
    public void close() {
        closed.countDown();
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : new ArrayList<>(open)) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
