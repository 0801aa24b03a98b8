package io.herald.delivery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.SocketChannel;
import java.util.Map;
import org.eclipse.jetty.io.ClientConnector;

/**
 * Connects to a receiver through an {@link EgressProxy}: the HTTP client hands this connector the
 * address the {@link SsrfGuard} resolved and allowed; it opens a connection to the proxy, asks it to
 * {@code CONNECT} to exactly that address (an IP literal, so the proxy does no DNS of its own that a
 * rebinding name could turn towards an internal host), and gives the tunnel to the client as if it
 * were a direct connection. TLS, SNI and certificate checks then run end to end with the receiver,
 * under the endpoint URL's host name, as without a proxy.
 */
final class ProxyTunnelConnector extends ClientConnector {
    /** The proxy's answer to CONNECT is a status line and headers; anything longer is not a proxy. */
    private static final int MAX_ANSWER = 8 * 1024;

    private final EgressProxy proxy;

    /** The proxy could not be reached or would not open the tunnel; the attempt's error says which. */
    static final class Failed extends IOException {
        Failed(String message) {
            super(message);
        }

        Failed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    ProxyTunnelConnector(EgressProxy proxy) {
        this.proxy = proxy;
    }

    @Override
    public void connect(SocketAddress target, Map<String, Object> context) {
        // The handshake blocks (connect, write, read a few hundred bytes): on a virtual thread of its own.
        Thread.ofVirtual().name("herald-proxy-connect").start(() -> {
            SocketChannel channel = null;
            try {
                channel = SocketChannel.open();
                tunnel(channel, (InetSocketAddress) target);
                channel.configureBlocking(false);
                accept(channel, context);
            } catch (Throwable x) {
                connectFailed(channel, target, x, context);
            }
        });
    }

    private void tunnel(SocketChannel channel, InetSocketAddress target) throws IOException {
        int timeout = (int) getConnectTimeout().toMillis();
        Socket socket = channel.socket();
        socket.setTcpNoDelay(true);
        InetSocketAddress at = new InetSocketAddress(proxy.host(), proxy.port());
        if (at.isUnresolved()) {
            throw new Failed("egress proxy " + proxy + ": cannot resolve " + proxy.host());
        }
        try {
            socket.connect(at, timeout);
        } catch (IOException e) {
            throw new Failed("egress proxy " + proxy + " unreachable: " + e.getMessage(), e);
        }
        socket.setSoTimeout(timeout);
        String authority = authority(target);
        StringBuilder ask = new StringBuilder()
                .append("CONNECT ").append(authority).append(" HTTP/1.1\r\n")
                .append("Host: ").append(authority).append("\r\n");
        proxy.authorization().ifPresent(a -> ask.append("Proxy-Authorization: ").append(a).append("\r\n"));
        ask.append("\r\n");
        socket.getOutputStream().write(ask.toString().getBytes(StandardCharsets.ISO_8859_1));
        String answer;
        try {
            answer = readHead(socket.getInputStream());
        } catch (SocketTimeoutException e) {
            throw new Failed("egress proxy " + proxy + " did not answer CONNECT within " + timeout + " ms", e);
        }
        String statusLine = answer.lines().findFirst().orElse("");
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].equals("200")) {
            throw new Failed("egress proxy " + proxy + " refused CONNECT " + authority + ": "
                    + (statusLine.isEmpty() ? "no status line" : statusLine));
        }
        socket.setSoTimeout(0);
    }

    /** host:port for CONNECT, with the address the guard allowed (IPv6 in brackets). */
    static String authority(InetSocketAddress target) {
        String ip = target.getAddress().getHostAddress();
        int zone = ip.indexOf('%');
        if (zone >= 0) {
            ip = ip.substring(0, zone);
        }
        return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + target.getPort();
    }

    /**
     * Reads the proxy's answer up to the blank line and not a byte further: what follows belongs to
     * the tunnel.
     */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new Failed("the egress proxy closed the connection during CONNECT");
            }
            head.write(b);
            if (head.size() > MAX_ANSWER) {
                throw new Failed("the egress proxy's answer to CONNECT is longer than " + MAX_ANSWER + " bytes");
            }
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }
}
