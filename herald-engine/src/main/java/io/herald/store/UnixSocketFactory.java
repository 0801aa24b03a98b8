package io.herald.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import javax.net.SocketFactory;

/**
 * Connects the PostgreSQL driver to the server's Unix-domain socket instead of TCP, when Herald
 * runs on the database's host: {@code jdbc:postgresql://localhost/herald?unixSocket=/var/run/postgresql}
 * (the directory, as libpq's {@code host}, or the socket file itself). The driver still takes the
 * host and port from the URL; the port names the socket file in a directory
 * ({@code .s.PGSQL.5432}). The driver's timeouts hold as on TCP: a read waits at most the socket
 * timeout and then fails with a {@link SocketTimeoutException}, and so does a connect.
 *
 * <p>The driver makes it by reflection with the connection's properties (see
 * {@link Dialect#configure}); {@link #UNIX_SOCKET} is the one it reads.
 */
public final class UnixSocketFactory extends SocketFactory {
    /** The URL parameter naming the socket: a directory holding {@code .s.PGSQL.<port>}, or the file. */
    public static final String UNIX_SOCKET = "unixSocket";

    private final String path;
    private final int port;

    public UnixSocketFactory(Properties info) {
        String p = info.getProperty(UNIX_SOCKET);
        if (p == null || p.isBlank()) {
            throw new IllegalArgumentException(UNIX_SOCKET + " is not set");
        }
        this.path = p.strip();
        this.port = portOf(info.getProperty("PGPORT"));
    }

    /**
     * Why {@code jdbcUrl} cannot work, or null: PostgreSQL never encrypts a Unix-domain connection
     * (it answers "no" to the driver's request), so an sslmode that requires encryption fails every
     * connect over the socket. libpq ignores sslmode there; the JDBC driver does not.
     */
    public static String refusal(String jdbcUrl) {
        if (Dialect.urlParameter(jdbcUrl, UNIX_SOCKET) == null) {
            return null;
        }
        String mode = Dialect.urlParameter(jdbcUrl, "sslmode");
        if (mode != null && (mode.equals("require") || mode.startsWith("verify"))) {
            return "sslmode=" + mode + " cannot be used with " + UNIX_SOCKET + ": PostgreSQL does not encrypt Unix-domain"
                    + " connections (the socket's file permissions protect it); drop sslmode or use TCP";
        }
        return null;
    }

    private static int portOf(String port) {
        if (port == null || port.isBlank()) {
            return 5432;
        }
        // With several hosts the driver lists their ports comma-separated; one socket serves them all.
        return Integer.parseInt(port.split(",")[0].strip());
    }

    /** The socket file: {@code path} itself, or {@code .s.PGSQL.<port>} in it when it is a directory. */
    Path socketFile() {
        Path p = Path.of(path);
        return Files.isDirectory(p) ? p.resolve(".s.PGSQL." + port) : p;
    }

    @Override
    public Socket createSocket() {
        return new UnixSocket(socketFile());
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected();
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected();
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected();
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return connected();
    }

    private Socket connected() throws IOException {
        Socket s = createSocket();
        s.connect(null, 0);
        return s;
    }

    /**
     * A {@link Socket} over a non-blocking Unix-domain channel, with the part of Socket's contract
     * the driver uses: connect (the address it passes is ignored), streams, the read timeout,
     * close. TCP's options are accepted and mean nothing here.
     */
    static final class UnixSocket extends Socket {
        private final Path file;
        private SocketChannel channel;
        private Selector readable;
        private Selector writable;
        private volatile int timeoutMs;
        private volatile boolean closed;
        private InputStream in;
        private OutputStream out;

        UnixSocket(Path file) {
            this.file = file;
        }

        @Override
        public synchronized void connect(SocketAddress ignored) throws IOException {
            connect(ignored, 0);
        }

        @Override
        public synchronized void connect(SocketAddress ignored, int timeout) throws IOException {
            if (closed) {
                throw new SocketException("Socket is closed");
            }
            if (channel != null) {
                throw new SocketException("already connected");
            }
            long deadline = System.nanoTime() + timeout * 1_000_000L;
            try {
                while (true) {
                    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                    // Assigned before anything can fail or wait, so that close() closes it.
                    channel = ch;
                    try {
                        ch.configureBlocking(false);
                        if (ch.connect(UnixDomainSocketAddress.of(file))) {
                            break;
                        }
                        // Linux completes a Unix-domain connect at once or refuses it; should one be
                        // pending, wait for it as a TCP connect would.
                        try (Selector w = Selector.open()) {
                            ch.register(w, SelectionKey.OP_CONNECT);
                            while (!ch.finishConnect()) {
                                await(w, remainingMs(timeout, deadline, "connect to " + file));
                            }
                        }
                        break;
                    } catch (IOException e) {
                        ch.close();
                        channel = null;
                        // The listener's queue is full (EAGAIN: the server is not accepting fast
                        // enough). Over TCP the connect would wait; here it is tried again until the
                        // timeout, with a fresh channel.
                        if (!String.valueOf(e.getMessage()).contains("temporarily unavailable") || closed) {
                            throw e;
                        }
                        remainingMs(timeout, deadline, "connect to " + file);
                        pause();
                    }
                }
                readable = Selector.open();
                writable = Selector.open();
                channel.register(readable, SelectionKey.OP_READ);
                channel.register(writable, SelectionKey.OP_WRITE);
                in = new In();
                out = new Out();
            } catch (IOException | RuntimeException e) {
                close();
                if (e instanceof SocketTimeoutException) {
                    throw e;
                }
                // The channel's message ("No such file or directory") does not say which file.
                SocketException named = new SocketException("cannot connect to " + file + ": " + e.getMessage());
                named.initCause(e);
                throw named;
            }
        }

        /** Milliseconds left until {@code deadline} (0 for no limit when {@code timeout} is 0); throws when none are. */
        private static long remainingMs(int timeout, long deadline, String what) throws SocketTimeoutException {
            if (timeout == 0) {
                return 0;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException(what + " timed out after " + timeout + " ms");
            }
            return Math.max(1, (left + 999_999) / 1_000_000);
        }

        private static void pause() throws SocketException {
            boolean interrupted = Thread.interrupted();
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                interrupted = true;
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /** A Unix-domain socket has no TCP address to bind to: refused, rather than a TCP socket made beside it. */
        @Override
        public void bind(SocketAddress local) throws IOException {
            throw new SocketException("a Unix-domain connection to " + file + " has no local TCP address to bind to"
                    + " (drop localSocketAddress)");
        }

        @Override
        public boolean isConnected() {
            return channel != null && channel.isConnected();
        }

        @Override
        public boolean isClosed() {
            return closed;
        }

        /**
         * Closes the channel; a read or write waiting in another thread (the pool closing a
         * connection, the driver's abort) is woken and fails with "Socket closed".
         */
        @Override
        public void close() throws IOException {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            for (Selector sel : new Selector[] {readable, writable}) {
                if (sel != null) {
                    sel.wakeup();
                }
            }
            IOException first = null;
            for (java.io.Closeable c : new java.io.Closeable[] {channel, readable, writable}) {
                try {
                    if (c != null) {
                        c.close();
                    }
                } catch (IOException e) {
                    first = first == null ? e : first;
                }
            }
            try {
                super.close(); // nothing of its own was opened; closed all the same
            } catch (IOException e) {
                first = first == null ? e : first;
            }
            if (first != null) {
                throw first;
            }
        }

        @Override
        public InputStream getInputStream() throws IOException {
            open();
            return in;
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            open();
            return out;
        }

        private void open() throws SocketException {
            if (closed) {
                throw new SocketException("Socket is closed");
            }
            if (channel == null) {
                throw new SocketException("Socket is not connected");
            }
        }

        @Override
        public void setSoTimeout(int timeout) throws SocketException {
            if (timeout < 0) {
                throw new IllegalArgumentException("timeout < 0");
            }
            this.timeoutMs = timeout;
        }

        @Override
        public int getSoTimeout() {
            return timeoutMs;
        }

        // TCP's options: accepted, and nothing to do on a Unix-domain socket.
        @Override
        public void setTcpNoDelay(boolean on) {}

        @Override
        public boolean getTcpNoDelay() {
            return true;
        }

        @Override
        public void setKeepAlive(boolean on) {}

        @Override
        public boolean getKeepAlive() {
            return false;
        }

        @Override
        public void setSendBufferSize(int size) {}

        @Override
        public int getSendBufferSize() {
            return 8192;
        }

        @Override
        public void setReceiveBufferSize(int size) {}

        @Override
        public int getReceiveBufferSize() {
            return 8192;
        }

        @Override
        public String toString() {
            return "UnixSocket[" + file + "]";
        }

        /**
         * Waits up to {@code ms} (0: no limit) for {@code selector}'s channel; fails once the socket
         * is closed. The thread's interrupt is set aside meanwhile and restored after: a select
         * returns at once while it is set, and Herald reads and writes on interrupted threads while
         * it shuts down, as a TCP socket, which ignores interrupts, lets it.
         */
        private int await(Selector selector, long ms) throws IOException {
            boolean interrupted = Thread.interrupted();
            int ready;
            try {
                ready = selector.select(ms);
                selector.selectedKeys().clear();
            } catch (java.nio.channels.ClosedSelectorException e) {
                ready = 0;
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            if (closed) {
                throw new SocketException("Socket closed");
            }
            return ready;
        }

        private final class In extends InputStream {
            private final byte[] one = new byte[1];

            @Override
            public int read() throws IOException {
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                int n = channel.read(buf);
                if (n != 0) {
                    return n;
                }
                int timeout = timeoutMs;
                long deadline = System.nanoTime() + timeout * 1_000_000L;
                while (true) {
                    await(readable, remainingMs(timeout, deadline, "Read"));
                    n = channel.read(buf);
                    if (n != 0) {
                        return n;
                    }
                }
            }

            @Override
            public int available() throws IOException {
                return 0;
            }

            @Override
            public void close() throws IOException {
                UnixSocket.this.close();
            }
        }

        private final class Out extends OutputStream {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                int timeout = timeoutMs;
                long deadline = System.nanoTime() + timeout * 1_000_000L;
                while (buf.hasRemaining()) {
                    if (channel.write(buf) > 0) {
                        deadline = System.nanoTime() + timeout * 1_000_000L;
                    } else {
                        // The server is not reading: wait as long as a read would for it to take
                        // more, then give up.
                        await(writable, remainingMs(timeout, deadline, "Write"));
                    }
                }
            }

            @Override
            public void close() throws IOException {
                UnixSocket.this.close();
            }
        }
    }
}
