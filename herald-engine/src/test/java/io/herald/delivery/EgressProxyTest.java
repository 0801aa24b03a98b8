package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.testing.LoopbackConnectProxy;
import io.herald.testing.LoopbackReceiver;
import io.herald.testing.LoopbackReceiver.Reply;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Deliveries through an HTTP CONNECT proxy on loopback, with the SSRF guard still deciding the target. */
class EgressProxyTest {
    private static final byte[] BODY = "{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final List<Cidr> LOOPBACK = List.of(Cidr.parse("127.0.0.1/32"));

    private final LoopbackReceiver receiver = new LoopbackReceiver();
    private final LoopbackConnectProxy proxy = new LoopbackConnectProxy();

    @AfterEach
    void close() {
        proxy.close();
        receiver.close();
    }

    private HttpSender.Result post(HttpSender sender, String url) {
        return sender.post(URI.create(url), "ep_1", Map.of("webhook-id", "msg_1"), BODY, "application/json", TIMEOUT);
    }

    @Test
    void delivery_goesThroughTheProxy_toTheAddressTheGuardAllowed() {
        receiver.fallback(Reply.status(200, Map.of(), "thanks"));
        try (HttpSender sender = new HttpSender(new SsrfGuard(LOOPBACK), "Herald-test/1",
                EgressProxy.parse("http://127.0.0.1:" + proxy.port()))) {
            HttpSender.Result first = post(sender, "http://localhost:" + receiver.port() + "/hook");
            HttpSender.Result second = post(sender, "http://localhost:" + receiver.port() + "/hook");

            assertThat(first.statusCode()).as(first.error()).isEqualTo(200);
            assertThat(first.body()).isEqualTo("thanks");
            assertThat(second.statusCode()).isEqualTo(200);
        }
        assertThat(receiver.received("/hook")).hasSize(2)
                .allSatisfy(r -> assertThat(r.header("webhook-id")).isEqualTo("msg_1"))
                .allSatisfy(r -> assertThat(r.header("host")).as("the URL's own host, end to end")
                        .isEqualTo("localhost:" + receiver.port()));
        // One tunnel per pooled connection (usually one here; two when the second request starts
        // before the first's connection is back in the pool), each to the vetted address, not the name.
        assertThat(proxy.asks()).extracting(LoopbackConnectProxy.Ask::target).isNotEmpty()
                .containsOnly("127.0.0.1:" + receiver.port());
        assertThat(proxy.asks().get(0).header("proxy-authorization")).isNull();
    }

    @Test
    void credentials_inTheUrl_areSentAsProxyAuthorization() {
        receiver.fallback(Reply.status(204));
        try (HttpSender sender = new HttpSender(new SsrfGuard(LOOPBACK), "Herald-test/1",
                EgressProxy.parse("http://herald:s%3Acret@127.0.0.1:" + proxy.port()))) {
            assertThat(post(sender, receiver.url("/hook")).statusCode()).isEqualTo(204);
        }
        assertThat(proxy.asks().get(0).header("proxy-authorization"))
                .isEqualTo("Basic " + Base64.getEncoder().encodeToString("herald:s:cret".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void ssrf_throughTheProxy_isRefusedBeforeTheProxyIsAsked() {
        receiver.fallback(Reply.status(200));
        // The proxy itself sits on loopback: an operator's choice, never vetted. Targets are.
        try (HttpSender sender = new HttpSender(new SsrfGuard(List.of()), "Herald-test/1",
                EgressProxy.parse("http://127.0.0.1:" + proxy.port()))) {
            HttpSender.Result byAddress = post(sender, receiver.url("/hook"));
            HttpSender.Result byName = post(sender, "http://localhost:" + receiver.port() + "/hook");
            HttpSender.Result metadata = post(sender, "http://169.254.169.254/latest/meta-data/");

            assertThat(byAddress.statusCode()).isZero();
            assertThat(byAddress.error()).contains("non-public range 127.0.0.0/8");
            assertThat(byName.error()).contains("non-public range 127.0.0.0/8");
            assertThat(metadata.error()).contains("non-public range 169.254.0.0/16");
        }
        assertThat(proxy.asks()).as("never asked to connect anywhere").isEmpty();
        assertThat(receiver.received()).isEmpty();
    }

    @Test
    void aProxyThatRefuses_failsTheAttemptSayingSo() {
        proxy.refuseWith(407);
        try (HttpSender sender = new HttpSender(new SsrfGuard(LOOPBACK), "Herald-test/1",
                EgressProxy.parse("http://127.0.0.1:" + proxy.port()))) {
            HttpSender.Result r = post(sender, receiver.url("/hook"));
            assertThat(r.statusCode()).isZero();
            assertThat(r.error()).isEqualTo("egress proxy http://127.0.0.1:" + proxy.port() + " refused CONNECT 127.0.0.1:"
                    + receiver.port() + ": HTTP/1.1 407 Refused");
        }
        assertThat(receiver.received()).isEmpty();
    }

    @Test
    void aProxyThatIsDown_failsTheAttemptSayingSo() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        try (HttpSender sender = new HttpSender(new SsrfGuard(LOOPBACK), "Herald-test/1",
                EgressProxy.parse("http://127.0.0.1:" + closed))) {
            HttpSender.Result r = post(sender, receiver.url("/hook"));
            assertThat(r.statusCode()).isZero();
            assertThat(r.error()).startsWith("egress proxy http://127.0.0.1:" + closed + " unreachable: ");
        }
    }

    @Test
    void parse_acceptsHttpHostPort_withOptionalCredentials_andNeverPrintsThem() {
        EgressProxy p = EgressProxy.parse("http://u:secret@proxy.internal:3128");
        assertThat(p.host()).isEqualTo("proxy.internal");
        assertThat(p.port()).isEqualTo(3128);
        assertThat(p.toString()).isEqualTo("http://proxy.internal:3128 (with credentials)").doesNotContain("secret");
        assertThat(EgressProxy.parse("http://[::1]:8080/").host()).isEqualTo("::1");
        assertThat(EgressProxy.parse("http://10.0.0.5:3128").authorization()).isEqualTo(Optional.empty());

        assertThatThrownBy(() -> EgressProxy.parse("https://proxy:3128")).hasMessageContaining("must start with http://");
        assertThatThrownBy(() -> EgressProxy.parse("socks5://proxy:1080")).hasMessageContaining("must start with http://");
        assertThatThrownBy(() -> EgressProxy.parse("http://proxy")).hasMessageContaining("a host and a port");
        assertThatThrownBy(() -> EgressProxy.parse("http://proxy:3128/path")).hasMessageContaining("only http://");
        assertThatThrownBy(() -> EgressProxy.parse("http://user@proxy:3128")).hasMessageContaining("user:password");
        assertThatThrownBy(() -> EgressProxy.parse("http://u:pw@proxy:3128?x=1"))
                .hasMessageContaining("only http://").message().doesNotContain("pw");
    }
}
