package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The socket the PostgreSQL driver gets from {@link UnixSocketFactory}, against a Unix-domain listener of the test's own. */
@Timeout(30)
class UnixSocketFactoryTest {
    @TempDir
    Path dir;
    private ServerSocketChannel server;

    @BeforeEach
    void listen() throws Exception {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(dir.resolve(".s.PGSQL.6543")));
    }

    @AfterEach
    void close() throws Exception {
        server.close();
    }

    private UnixSocketFactory factory(String socket) {
        Properties info = new Properties();
        info.setProperty(UnixSocketFactory.UNIX_SOCKET, socket);
        info.setProperty("PGPORT", "6543");
        return new UnixSocketFactory(info);
    }

    @Test
    void aDirectoryNamesThePortsSocketFile_andBytesGoBothWays() throws Exception {
        assertThat(factory(dir.toString()).socketFile()).isEqualTo(dir.resolve(".s.PGSQL.6543"));
        try (Socket s = factory(dir.toString()).createSocket()) {
            assertThat(s.isConnected()).isFalse();
            s.connect(null, 1_000);
            assertThat(s.isConnected()).isTrue();
            try (SocketChannel peer = server.accept()) {
                OutputStream out = s.getOutputStream();
                byte[] big = new byte[1 << 20]; // more than the socket buffers: the write has to wait for the reader
                big[big.length - 1] = 7;
                CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
                    try {
                        out.write(big);
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                ByteBuffer got = ByteBuffer.allocate(big.length);
                while (got.hasRemaining()) {
                    peer.read(got);
                }
                written.get(5, TimeUnit.SECONDS);
                assertThat(got.get(big.length - 1)).isEqualTo((byte) 7);

                peer.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)));
                InputStream in = s.getInputStream();
                assertThat(new String(in.readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("hello");
                peer.close();
                assertThat(in.read()).as("the peer closed").isEqualTo(-1);
            }
        }
    }

    @Test
    void aReadWaitsAtMostTheTimeout() throws Exception {
        try (Socket s = factory(dir.resolve(".s.PGSQL.6543").toString()).createSocket(); SocketChannel peer = connect(s)) {
            s.setSoTimeout(300);
            long t0 = System.nanoTime();
            Throwable e = catchThrowable(() -> s.getInputStream().read());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(e).isInstanceOf(SocketTimeoutException.class);
            assertThat(ms).isBetween(250L, 3_000L);
            // A timeout leaves the socket usable, as on TCP (the driver's check for pending messages relies on it).
            peer.write(ByteBuffer.wrap(new byte[] {42}));
            assertThat(s.getInputStream().read()).isEqualTo(42);
        }
    }

    @Test
    void closingTheSocket_endsAReadWaitingWithoutLimit() throws Exception {
        Socket s = factory(dir.toString()).createSocket();
        try (SocketChannel peer = connect(s)) {
            s.setSoTimeout(0);
            CompletableFuture<Throwable> read = CompletableFuture.supplyAsync(() -> catchThrowable(() -> s.getInputStream().read()));
            Thread.sleep(200);
            assertThat(read).isNotDone();
            s.close();
            assertThat(read.get(5, TimeUnit.SECONDS)).isInstanceOf(SocketException.class);
            assertThat(s.isClosed()).isTrue();
            assertThat(catchThrowable(s::getInputStream)).isInstanceOf(SocketException.class);
        }
    }

    @Test
    void noListener_failsTheConnect_namingTheFile() throws Exception {
        server.close();
        Path file = dir.resolve(".s.PGSQL.6543");
        java.nio.file.Files.deleteIfExists(file);
        Socket s = factory(dir.toString()).createSocket();
        Throwable e = catchThrowable(() -> s.connect(null, 1_000));
        assertThat(e).isInstanceOf(SocketException.class).hasMessageContaining(file.toString());
        assertThat(s.isClosed()).isTrue();
    }

    @Test
    void anInterruptedThread_waitsForItsAnswerWithoutSpinning_andKeepsItsInterrupt() throws Exception {
        // Herald reads and writes on interrupted threads while it shuts down; a TCP socket ignores
        // the interrupt, and so must this one: wait (not spin), and not take it for a timeout.
        try (Socket s = factory(dir.toString()).createSocket(); SocketChannel peer = connect(s)) {
            s.setSoTimeout(0);
            java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
            CompletableFuture<long[]> read = CompletableFuture.supplyAsync(() -> {
                Thread.currentThread().interrupt();
                long cpu0 = threads.getCurrentThreadCpuTime();
                try {
                    int b = s.getInputStream().read();
                    return new long[] {b, threads.getCurrentThreadCpuTime() - cpu0, Thread.interrupted() ? 1 : 0};
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }, r -> new Thread(r).start());
            Thread.sleep(1_000);
            peer.write(ByteBuffer.wrap(new byte[] {42}));
            long[] got = read.get(5, TimeUnit.SECONDS);
            assertThat(got[0]).isEqualTo(42);
            assertThat(got[1]).as("CPU ns spent waiting about a second").isLessThan(300_000_000L);
            assertThat(got[2]).as("still interrupted").isEqualTo(1);

            s.setSoTimeout(10_000);
            byte[] big = new byte[4 << 20];
            CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
                Thread.currentThread().interrupt();
                try {
                    s.getOutputStream().write(big);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }, r -> new Thread(r).start());
            Thread.sleep(500);
            assertThat(written).as("waits for the reader, no early timeout").isNotDone();
            ByteBuffer drain = ByteBuffer.allocate(big.length);
            while (drain.hasRemaining()) {
                peer.read(drain);
            }
            written.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aWriteTheServerDoesNotTake_failsAfterTheTimeout() throws Exception {
        try (Socket s = factory(dir.toString()).createSocket(); SocketChannel peer = connect(s)) {
            s.setSoTimeout(300);
            Throwable e = catchThrowable(() -> s.getOutputStream().write(new byte[16 << 20]));
            assertThat(e).isInstanceOf(SocketTimeoutException.class).hasMessageContaining("Write");
        }
    }

    @Test
    void aFullListenQueue_makesTheConnectWait_untilTheServerAccepts_orTheTimeout() throws Exception {
        server.close();
        java.nio.file.Files.deleteIfExists(dir.resolve(".s.PGSQL.6543"));
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(dir.resolve(".s.PGSQL.6543")), 1);
        java.util.List<Socket> queued = new java.util.ArrayList<>();
        try {
            // Fill the queue: the kernel takes backlog + 1 before it refuses.
            Throwable full = null;
            for (int i = 0; i < 8 && full == null; i++) {
                Socket s = factory(dir.toString()).createSocket();
                queued.add(s);
                full = catchThrowable(() -> s.connect(null, 300));
            }
            assertThat(full).as("a connect past the queue waits its timeout").isInstanceOf(SocketTimeoutException.class);

            Socket waiting = factory(dir.toString()).createSocket();
            queued.add(waiting);
            CompletableFuture<Void> connected = CompletableFuture.runAsync(() -> {
                try {
                    waiting.connect(null, 10_000);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }, r -> new Thread(r).start());
            Thread.sleep(300);
            assertThat(connected).isNotDone();
            for (int i = 0; i < 8; i++) {
                server.configureBlocking(false);
                SocketChannel accepted = server.accept();
                if (accepted != null) {
                    accepted.close();
                }
            }
            connected.get(5, TimeUnit.SECONDS);
            assertThat(waiting.isConnected()).isTrue();
        } finally {
            for (Socket s : queued) {
                s.close();
            }
        }
    }

    @Test
    void bindingToALocalTcpAddress_isRefused() throws Exception {
        try (Socket s = factory(dir.toString()).createSocket()) {
            assertThat(catchThrowable(() -> s.bind(new java.net.InetSocketAddress("127.0.0.1", 0))))
                    .isInstanceOf(SocketException.class).hasMessageContaining("localSocketAddress");
        }
    }

    private SocketChannel connect(Socket s) throws Exception {
        s.connect(null, 1_000);
        return server.accept();
    }
}
