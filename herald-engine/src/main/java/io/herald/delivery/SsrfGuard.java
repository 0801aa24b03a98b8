package io.herald.delivery;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;

/**
 * Resolves a target host and keeps only globally routable addresses, unless an operator allowed a
 * range. Installed as the HTTP client's resolver, so the connection goes to exactly the addresses
 * vetted here: a DNS answer that changes between check and connect (rebinding) cannot slip through.
 */
public final class SsrfGuard implements SocketAddressResolver {
    /** Ranges that are never a public webhook receiver. Sources: IANA special-purpose registries. */
    private static final List<Cidr> REFUSED = List.of(
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
            "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
            "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
            "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "2001::/32", "2001:2::/48", "2001:db8::/32",
            "3fff::/20", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8")
            .stream().map(Cidr::parse).toList();

    /** Prefixes under which an IPv6 address carries an IPv4 one that must be checked too. */
    private static final Cidr IPV4_MAPPED = Cidr.parse("::ffff:0:0/96");
    private static final Cidr IPV4_COMPATIBLE = Cidr.parse("::/96");
    private static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");
    private static final Cidr SIX_TO_FOUR = Cidr.parse("2002::/16");

    private final List<Cidr> allowed;
    private final Resolver resolver;

    /** DNS, replaceable in tests. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    public SsrfGuard(List<Cidr> allowed) {
        this(allowed, InetAddress::getAllByName);
    }

    public SsrfGuard(List<Cidr> allowed, Resolver resolver) {
        this.allowed = List.copyOf(allowed);
        this.resolver = resolver;
    }

    /** Why {@code address} is refused, or empty when it may be contacted. */
    public Optional<String> refusal(InetAddress address) {
        byte[] b = address.getAddress();
        for (Cidr c : allowed) {
            if (c.contains(b)) {
                return Optional.empty();
            }
        }
        for (Cidr c : REFUSED) {
            if (c.contains(b)) {
                return Optional.of(address.getHostAddress() + " is in the non-public range " + c);
            }
        }
        byte[] embedded = embeddedIpv4(b);
        if (embedded != null) {
            try {
                return refusal(InetAddress.getByAddress(embedded))
                        .map(r -> address.getHostAddress() + " embeds an IPv4 address: " + r);
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        return Optional.empty();
    }

    private static byte[] embeddedIpv4(byte[] b) {
        if (b.length != 16) {
            return null;
        }
        if (IPV4_MAPPED.contains(b) || IPV4_COMPATIBLE.contains(b) || NAT64.contains(b)) {
            return java.util.Arrays.copyOfRange(b, 12, 16);
        }
        if (SIX_TO_FOUR.contains(b)) {
            return java.util.Arrays.copyOfRange(b, 2, 6);
        }
        return null;
    }

    private static final java.util.regex.Pattern DOTTED_QUAD = java.util.regex.Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /**
     * Why a URL's host is refused when it is a literal address ({@code 10.0.0.5}, {@code [::1]})
     * that the guard would refuse at delivery; empty for a name (never resolved here) or an address
     * that may be contacted. For refusing such URLs when they are saved. Not guaranteed: other
     * spellings of an address that some resolvers accept ({@code 2130706433}, {@code 0x7f.1}) are
     * names here, and the guard refuses them at delivery, after resolution.
     */
    public Optional<String> literalRefusal(String host) {
        boolean v6 = host.startsWith("[") && host.endsWith("]");
        if (!v6 && !DOTTED_QUAD.matcher(host).matches()) {
            return Optional.empty();
        }
        try {
            // A literal: InetAddress parses it without asking DNS.
            return refusal(InetAddress.getByName(v6 ? host.substring(1, host.length() - 1) : host));
        } catch (UnknownHostException e) {
            return Optional.of(host + " is not a valid address");
        }
    }

    /** Resolves {@code host} and returns the addresses that may be contacted, or throws saying why none. */
    public List<InetAddress> vet(String host) throws UnknownHostException, RefusedTarget {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        InetAddress[] all = resolver.resolve(h);
        List<InetAddress> ok = new ArrayList<>();
        String firstRefusal = null;
        for (InetAddress a : all) {
            Optional<String> r = refusal(a);
            if (r.isEmpty()) {
                ok.add(a);
            } else if (firstRefusal == null) {
                firstRefusal = r.get();
            }
        }
        if (ok.isEmpty()) {
            throw new RefusedTarget("target host " + host + " refused by the SSRF guard: " + firstRefusal
                    + " (HERALD_ALLOWED_TARGETS can allow it)");
        }
        return ok;
    }

    @Override
    public void resolve(String host, int port, Map<String, Object> context, Promise<List<InetSocketAddress>> promise) {
        // DNS blocks; a virtual thread keeps it off the client's selector and pool threads.
        Thread.ofVirtual().name("herald-resolve").start(() -> {
            try {
                promise.succeeded(vet(host).stream().map(a -> new InetSocketAddress(a, port)).toList());
            } catch (UnknownHostException e) {
                promise.failed(new UnknownHostException("cannot resolve " + host));
            } catch (RefusedTarget e) {
                promise.failed(e);
            } catch (RuntimeException e) {
                promise.failed(e);
            }
        });
    }

    /** The target resolved only to addresses the guard refuses. */
    public static final class RefusedTarget extends Exception {
        public RefusedTarget(String message) {
            super(message);
        }
    }
}
