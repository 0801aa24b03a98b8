package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.testing.LoopbackReceiver;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SsrfGuardTest {
    private static final String HOST = "hook.customer.test";

    /** Refused addresses and the range that must be named in the refusal. */
    private static final String REFUSED = """
            127.0.0.1,        127.0.0.0/8
            127.255.255.254,  127.0.0.0/8
            ::1,              ::1/128
            10.0.0.1,         10.0.0.0/8
            10.255.255.255,   10.0.0.0/8
            172.16.0.1,       172.16.0.0/12
            172.31.255.255,   172.16.0.0/12
            192.168.0.1,      192.168.0.0/16
            fc00::1,          fc00::/7
            fdff:ffff::1,     fc00::/7
            169.254.0.1,      169.254.0.0/16
            fe80::1,          fe80::/10
            febf:ffff::1,     fe80::/10
            100.64.0.1,       100.64.0.0/10
            100.127.255.254,  100.64.0.0/10
            0.0.0.0,          0.0.0.0/8
            ::,               ::/128
            224.0.0.1,        224.0.0.0/4
            239.255.255.250,  224.0.0.0/4
            ff02::1,          ff00::/8
            169.254.169.254,  169.254.0.0/16
            fd00:ec2::254,    fc00::/7
            192.0.2.1,        192.0.2.0/24
            198.51.100.7,     198.51.100.0/24
            203.0.113.9,      203.0.113.0/24
            2001:db8::1,      2001:db8::/32
            3fff::1,          3fff::/20
            198.18.0.1,       198.18.0.0/15
            198.19.255.1,     198.18.0.0/15
            2001:2::1,        2001:2::/48
            64:ff9b:1::a00:1, 64:ff9b:1::/48
            255.255.255.255,  240.0.0.0/4
            """;

    @ParameterizedTest(name = "{0}")
    @CsvSource(textBlock = REFUSED)
    void refusal_literalInRefusedRange_namesTheRange(String address, String range) throws Exception {
        SsrfGuard guard = new SsrfGuard(List.of());

        assertThat(guard.refusal(InetAddress.getByName(address)))
                .hasValueSatisfying(why -> assertThat(why).contains(Cidr.parse(range).toString()));
        // A literal host goes through the same check; InetAddress parses literals without DNS.
        assertThatThrownBy(() -> guard.vet(address))
                .isInstanceOf(SsrfGuard.RefusedTarget.class)
                .hasMessageContaining("refused by the SSRF guard")
                .hasMessageContaining(Cidr.parse(range).toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(textBlock = REFUSED)
    void vet_hostResolvingIntoRefusedRange_isRefusedNamingHostAndRange(String address, String range) throws Exception {
        SsrfGuard guard = new SsrfGuard(List.of(), resolving(HOST, address));

        assertThatThrownBy(() -> guard.vet(HOST))
                .isInstanceOf(SsrfGuard.RefusedTarget.class)
                .hasMessageContaining("target host " + HOST + " refused by the SSRF guard")
                .hasMessageContaining(Cidr.parse(range).toString());
    }

    @Test
    void vet_bracketedIpv6Literal_isRefused() {
        assertThatThrownBy(() -> new SsrfGuard(List.of()).vet("[::1]"))
                .isInstanceOf(SsrfGuard.RefusedTarget.class)
                .hasMessageContaining(Cidr.parse("::1/128").toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(textBlock = """
            ::ffff:127.0.0.1,         127.0.0.0/8
            ::ffff:169.254.169.254,   169.254.0.0/16
            ::ffff:10.0.0.1,          10.0.0.0/8
            ::127.0.0.1,              127.0.0.0/8
            ::169.254.169.254,        169.254.0.0/16
            64:ff9b::7f00:1,          127.0.0.0/8
            64:ff9b::a9fe:a9fe,       169.254.0.0/16
            64:ff9b::c0a8:101,        192.168.0.0/16
            2002:7f00:1::1,           127.0.0.0/8
            2002:a9fe:a9fe::,         169.254.0.0/16
            2002:a00:1:ffff::1,       10.0.0.0/8
            """)
    void refusal_ipv6FormOfRefusedIpv4_isRefusedNamingTheIpv4Range(String address, String range) throws Exception {
        // Inet6Address.getByAddress keeps the IPv6 form; InetAddress.getByName would turn
        // ::ffff:a.b.c.d into a plain IPv4 address and skip the path under test.
        InetAddress v6 = ipv6(address);
        SsrfGuard guard = new SsrfGuard(List.of(), host -> new InetAddress[] {v6});

        assertThat(guard.refusal(v6)).hasValueSatisfying(why -> assertThat(why)
                .contains("embeds an IPv4 address")
                .contains(Cidr.parse(range).toString()));
        assertThatThrownBy(() -> guard.vet(HOST)).isInstanceOf(SsrfGuard.RefusedTarget.class);
        assertThatThrownBy(() -> new SsrfGuard(List.of()).vet(address)).isInstanceOf(SsrfGuard.RefusedTarget.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700::1111", "2001:4860:4860::8888",
        // IPv6 forms of a public IPv4 address
        "::ffff:93.184.216.34", "64:ff9b::5db8:d822", "2002:5db8:d822::1"})
    void vet_publicAddress_passes(String address) throws Exception {
        InetAddress a = address.contains(":") ? ipv6(address) : InetAddress.getByName(address);
        SsrfGuard guard = new SsrfGuard(List.of(), host -> new InetAddress[] {a});

        assertThat(guard.refusal(a)).isEmpty();
        assertThat(guard.vet(HOST)).containsExactly(a);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "9.255.255.255", "11.0.0.1", "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1",
        "169.253.255.255", "169.255.0.1", "192.167.255.255", "192.169.0.1", "198.17.255.255", "198.20.0.1",
        "223.255.255.255", "2001:db9::1", "2001:1:ffff::1", "2001:2:1::1", "3fff:1000::1", "fbff:ffff::1",
        "fe7f:ffff::1"})
    void refusal_addressJustOutsideARefusedRange_isEmpty(String address) throws Exception {
        assertThat(new SsrfGuard(List.of()).refusal(InetAddress.getByName(address))).isEmpty();
    }

    @Test
    void vet_hostWithPublicAndPrivateAddresses_keepsOnlyThePublicOnes() throws Exception {
        SsrfGuard guard = new SsrfGuard(List.of(),
                resolving(HOST, "10.0.0.5", "93.184.216.34", "::1", "169.254.169.254", "2606:4700::1111"));

        assertThat(guard.vet(HOST)).extracting(InetAddress::getHostAddress)
                .containsExactly("93.184.216.34", "2606:4700:0:0:0:0:0:1111");
    }

    @Test
    void vet_allowListedRange_passesButOtherPrivateRangesStayRefused() throws Exception {
        SsrfGuard guard = new SsrfGuard(List.of(Cidr.parse("10.20.0.0/16"), Cidr.parse("fd00:ec2::/32")),
                resolving(HOST, "10.20.1.2", "10.21.0.1", "fd00:ec2::254", "192.168.0.1"));

        assertThat(guard.vet(HOST)).extracting(InetAddress::getHostAddress)
                .containsExactly("10.20.1.2", "fd00:ec2:0:0:0:0:0:254");
        assertThat(guard.refusal(InetAddress.getByName("10.21.0.1"))).isPresent();
        assertThat(guard.refusal(InetAddress.getByName("192.168.0.1"))).isPresent();
    }

    @Test
    void refusal_allowListedIpv4_alsoAllowsItsIpv4MappedForm() throws Exception {
        SsrfGuard guard = new SsrfGuard(List.of(Cidr.parse("127.0.0.1/32")));

        assertThat(guard.refusal(ipv6("::ffff:127.0.0.1"))).isEmpty();
        assertThat(guard.refusal(ipv6("::ffff:127.0.0.2"))).isPresent();
    }

    @Test
    void vet_unresolvableHost_throwsUnknownHost() {
        SsrfGuard guard = new SsrfGuard(List.of(), resolving(HOST, "93.184.216.34"));

        assertThatThrownBy(() -> guard.vet("nowhere.test")).isInstanceOf(UnknownHostException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", " ", "garbage", "example.com/8", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/abc",
        "10.0.0.0/8/8", "256.0.0.0/8", "10.0.0/24", "10.1/16", "127.1", "1.2.3.4.5", "fe80::1%eth0", "::g/64",
        "cafe", "dead/8"})
    void parse_garbageOrOutOfRangePrefix_isRejected(String text) {
        assertThatThrownBy(() -> Cidr.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'");
    }

    @Test
    void parse_validRanges_containExactlyTheirAddresses() throws Exception {
        Cidr ten = Cidr.parse(" 10.0.0.0/8 ");
        assertThat(ten.contains(bytes("10.255.255.255"))).isTrue();
        assertThat(ten.contains(bytes("11.0.0.0"))).isFalse();
        assertThat(ten.contains(ipv6("::ffff:10.0.0.1").getAddress())).isFalse();

        Cidr host = Cidr.parse("192.168.1.7");
        assertThat(host.prefix()).isEqualTo(32);
        assertThat(host.contains(bytes("192.168.1.7"))).isTrue();
        assertThat(host.contains(bytes("192.168.1.6"))).isFalse();

        Cidr v6 = Cidr.parse("2001:db8::/33");
        assertThat(v6.contains(bytes("2001:db8:7fff::1"))).isTrue();
        assertThat(v6.contains(bytes("2001:db8:8000::1"))).isFalse();

        assertThat(Cidr.parse("::1").prefix()).isEqualTo(128);
        assertThat(Cidr.parse("0.0.0.0/0").contains(bytes("203.0.113.1"))).isTrue();
        assertThat(Cidr.parse("::ffff:10.0.0.0/104").contains(ipv6("::ffff:10.9.8.7").getAddress())).isTrue();
    }

    @Test
    void post_toLoopbackWithoutAllowList_isRefusedBeforeConnecting() {
        try (LoopbackReceiver receiver = new LoopbackReceiver();
                HttpSender sender = new HttpSender(new SsrfGuard(List.of()), "Herald-test")) {
            HttpSender.Result r = post(sender, receiver);

            assertThat(r.statusCode()).isZero();
            assertThat(r.error()).contains("refused by the SSRF guard").contains("127.0.0.1");
            assertThat(receiver.received()).isEmpty();
        }
    }

    @Test
    void post_toLoopbackWithLoopbackAllowed_isDelivered() {
        try (LoopbackReceiver receiver = new LoopbackReceiver();
                HttpSender sender = new HttpSender(new SsrfGuard(List.of(Cidr.parse("127.0.0.1/32"))), "Herald-test")) {
            HttpSender.Result r = post(sender, receiver);

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.error()).isNull();
            assertThat(receiver.received("/hook")).hasSize(1);
        }
    }

    private static HttpSender.Result post(HttpSender sender, LoopbackReceiver receiver) {
        return sender.post(URI.create(receiver.url("/hook")), null, Map.of(), "{}".getBytes(StandardCharsets.UTF_8),
                "application/json", Duration.ofSeconds(5));
    }

    /** A resolver that knows one name; anything else is unknown. No DNS. */
    private static SsrfGuard.Resolver resolving(String name, String... addresses) {
        InetAddress[] resolved = Arrays.stream(addresses).map(a -> {
            try {
                return InetAddress.getByAddress(name, InetAddress.getByName(a).getAddress());
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(a, e);
            }
        }).toArray(InetAddress[]::new);
        return host -> {
            if (!host.equals(name)) {
                throw new UnknownHostException(host);
            }
            return resolved.clone();
        };
    }

    /** An IPv6 literal as an Inet6Address, even when it is IPv4-mapped. */
    private static InetAddress ipv6(String literal) throws UnknownHostException {
        byte[] b = InetAddress.getByName(literal).getAddress();
        if (b.length == 4) {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xFF;
            mapped[11] = (byte) 0xFF;
            System.arraycopy(b, 0, mapped, 12, 4);
            b = mapped;
        }
        return Inet6Address.getByAddress(null, b, -1);
    }

    @ParameterizedTest
    @CsvSource({
            "10.0.0.5,        10.0.0.0/8",
            "[::1],           0:0:0:0:0:0:0:1/128",
            "169.254.169.254, 169.254.0.0/16",
            "[fe80::1],       fe80:0:0:0:0:0:0:0/10",
            "0.0.0.0,         0.0.0.0/8",
            "[::ffff:7f00:1], 127.0.0.0/8"})
    void literalRefusal_literalNonPublicAddress_isRefusedNamingTheRange(String host, String range) {
        SsrfGuard guard = new SsrfGuard(List.of(), h -> {
            throw new AssertionError("a literal must not be resolved: " + h);
        });

        assertThat(guard.literalRefusal(host)).hasValueSatisfying(why -> assertThat(why).contains(range));
    }

    @ParameterizedTest
    @ValueSource(strings = {"hooks.example.com", "localhost", "2130706433", "93.184.216.34", "[2606:4700::1111]"})
    void literalRefusal_namesAndPublicAddresses_areLeftToDelivery(String host) {
        SsrfGuard guard = new SsrfGuard(List.of(), h -> {
            throw new AssertionError("nothing is resolved at save: " + h);
        });

        assertThat(guard.literalRefusal(host)).isEmpty();
    }

    @Test
    void literalRefusal_allowedRange_isNotRefused() {
        SsrfGuard guard = new SsrfGuard(List.of(Cidr.parse("10.0.0.0/8")));

        assertThat(guard.literalRefusal("10.1.2.3")).isEmpty();
        assertThat(guard.literalRefusal("192.168.1.1")).isPresent();
    }

    private static byte[] bytes(String literal) throws UnknownHostException {
        return InetAddress.getByName(literal).getAddress();
    }
}
