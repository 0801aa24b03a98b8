package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.testing.LoopbackReceiver;
import io.herald.testing.LoopbackReceiver.Reply;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpSenderTest {
    private static final byte[] BODY = "{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final LoopbackReceiver receiver = new LoopbackReceiver();
    private final HttpSender sender = new HttpSender(new SsrfGuard(List.of(Cidr.parse("127.0.0.1/32"))), "Herald-test/1");

    @AfterEach
    void close() {
        sender.close();
        receiver.close();
    }

    @Test
    void post_throughItsOwnPool_isNotQueuedBehindAnotherEndpointHangingOnTheSameHost() throws Exception {
        // Two connections per pool: two hanging requests fill endpoint A's pool.
        try (HttpSender small = new HttpSender(new SsrfGuard(List.of(Cidr.parse("127.0.0.1/32"))), "Herald-test/1", 2)) {
            receiver.script("/hang", Reply.hang(Duration.ofSeconds(10)), Reply.hang(Duration.ofSeconds(10)));
            URI hang = URI.create(receiver.url("/hang"));
            List<java.util.concurrent.CompletableFuture<HttpSender.Result>> hanging = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                hanging.add(java.util.concurrent.CompletableFuture.supplyAsync(
                        () -> small.post(hang, "ep_a", Map.of(), BODY, "application/json", Duration.ofSeconds(8)),
                        java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> receiver.received("/hang").size() == 2);

            HttpSender.Result sameHostOtherEndpoint = small.post(URI.create(receiver.url("/ok")), "ep_b", Map.of(), BODY,
                    "application/json", Duration.ofSeconds(2));
            HttpSender.Result sameEndpoint = small.post(URI.create(receiver.url("/ok")), "ep_a", Map.of(), BODY,
                    "application/json", Duration.ofSeconds(1));

            assertThat(sameHostOtherEndpoint.statusCode()).isEqualTo(200);
            assertThat(sameEndpoint.statusCode()).as("endpoint A's own requests wait for its connections").isZero();
            assertThat(sameEndpoint.error()).contains("timed out");
            assertThat(hanging).noneMatch(java.util.concurrent.CompletableFuture::isDone);
        }
    }

    @Test
    void post_2xx_succeedsWithStatusAndBody() {
        receiver.script("/ok", Reply.status(204), Reply.status(200, Map.of(), "thanks"));

        HttpSender.Result first = post("/ok", TIMEOUT);
        HttpSender.Result second = post("/ok", TIMEOUT);

        assertThat(first.statusCode()).isEqualTo(204);
        assertThat(first.succeeded()).isTrue();
        assertThat(first.error()).isNull();
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.body()).isEqualTo("thanks");
        assertThat(second.succeeded()).isTrue();
    }

    @Test
    void post_redirect_failsAndIsNotFollowed() {
        receiver.script("/moved", Reply.status(302, Map.of("Location", receiver.url("/elsewhere")), ""),
                Reply.status(307, Map.of("Location", "/elsewhere"), ""));

        HttpSender.Result found = post("/moved", TIMEOUT);
        HttpSender.Result temporary = post("/moved", TIMEOUT);

        assertThat(found.statusCode()).isEqualTo(302);
        assertThat(found.succeeded()).isFalse();
        assertThat(temporary.statusCode()).isEqualTo(307);
        assertThat(temporary.succeeded()).isFalse();
        assertThat(receiver.received("/moved")).hasSize(2);
        assertThat(receiver.received("/elsewhere")).isEmpty();
    }

    @Test
    void post_serverError_returnsStatusWithoutRetryAfter() {
        receiver.script("/broken", Reply.status(500, Map.of(), "oops"));

        HttpSender.Result r = post("/broken", TIMEOUT);

        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.succeeded()).isFalse();
        assertThat(r.body()).isEqualTo("oops");
        assertThat(r.retryAfter()).isEmpty();
    }

    @Test
    void post_retryAfterOn429And500_isParsed() {
        receiver.script("/busy", Reply.status(429, Map.of("Retry-After", "7"), ""),
                Reply.status(500, Map.of("Retry-After", "7"), ""));

        HttpSender.Result tooMany = post("/busy", TIMEOUT);
        HttpSender.Result broken = post("/busy", TIMEOUT);

        assertThat(tooMany.statusCode()).isEqualTo(429);
        assertThat(tooMany.retryAfter()).contains(Duration.ofSeconds(7));
        assertThat(broken.statusCode()).isEqualTo(500);
        assertThat(broken.retryAfter()).contains(Duration.ofSeconds(7));
    }

    @Test
    void post_receiverHangsPastTimeout_returnsStatusZeroWithTimeoutInAboutTheTimeout() {
        receiver.script("/slow", Reply.hang(Duration.ofSeconds(30)));

        long start = System.nanoTime();
        HttpSender.Result r = post("/slow", Duration.ofSeconds(1));
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(r.statusCode()).isZero();
        assertThat(r.error()).contains("timed out after 1000 ms");
        assertThat(tookMs).isBetween(900L, 1_700L);
        assertThat(r.durationMs()).isBetween(900L, 1_700L);
    }

    @Test
    void post_connectionReset_returnsStatusZeroWithError() {
        receiver.script("/reset", Reply.reset());

        HttpSender.Result r = post("/reset", TIMEOUT);

        assertThat(r.statusCode()).isZero();
        assertThat(r.succeeded()).isFalse();
        assertThat(r.error()).isNotBlank();
        assertThat(receiver.received("/reset")).hasSize(1);
    }

    @Test
    void post_largeResponseBody_isCutToTheCap() {
        String big = "x".repeat(HttpSender.RESPONSE_CAP + 40_000);
        receiver.script("/big", Reply.status(200, Map.of(), big));

        HttpSender.Result r = post("/big", TIMEOUT);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).hasSize(HttpSender.RESPONSE_CAP).isEqualTo(big.substring(0, HttpSender.RESPONSE_CAP));
    }

    @Test
    void post_request_carriesHeadersContentTypeAndBodyByteForByte() {
        byte[] body = new byte[512];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) i; // every byte value, invalid UTF-8 included
        }
        Map<String, String> headers = Map.of(
                "webhook-id", "msg_2bVk6VvQvKJq1h1tXzB5Y3mN8pA",
                "webhook-timestamp", "1614265330",
                "webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v1,AAAA");

        HttpSender.Result r = sender.post(URI.create(receiver.url("/echo")), null, headers, body,
                "application/octet-stream", TIMEOUT);

        assertThat(r.statusCode()).isEqualTo(200);
        LoopbackReceiver.Received got = receiver.await("/echo", 1, Duration.ofSeconds(5)).getFirst();
        assertThat(got.method()).isEqualTo("POST");
        assertThat(got.body()).isEqualTo(body);
        assertThat(got.header("Content-Type")).isEqualTo("application/octet-stream");
        assertThat(got.header("Content-Length")).isEqualTo("512");
        assertThat(got.header("User-Agent")).isEqualTo("Herald-test/1");
        headers.forEach((name, value) -> assertThat(got.header(name)).as(name).isEqualTo(value));
    }

    @Test
    void post_jsonContentType_isSentAsGiven() {
        sender.post(URI.create(receiver.url("/json")), null, Map.of(), BODY, "application/json", TIMEOUT);

        LoopbackReceiver.Received got = receiver.await("/json", 1, Duration.ofSeconds(5)).getFirst();
        assertThat(got.header("Content-Type")).isEqualTo("application/json");
        assertThat(got.body()).isEqualTo(BODY);
    }

    private HttpSender.Result post(String path, Duration timeout) {
        return sender.post(URI.create(receiver.url(path)), null, Map.of(), BODY, "application/json", timeout);
    }

    @Test
    void responseHeaders_areKeptUpTo50FieldsAnd8KiB_repeatedNamesJoined() {
        HttpFields.Mutable many = HttpFields.build();
        for (int i = 0; i < 60; i++) {
            many.add("X-H" + i, "v");
        }
        assertThat(HttpSender.bounded(many)).hasSize(HttpSender.RESPONSE_HEADERS_CAP).containsEntry("X-H49", "v")
                .doesNotContainKey("X-H50");

        HttpFields.Mutable big = HttpFields.build().add("Set-Cookie", "a=1").add("Set-Cookie", "b=2")
                .add("X-Big", "x".repeat(HttpSender.RESPONSE_HEADERS_CHARS_CAP)).add("X-After", "1");
        assertThat(HttpSender.bounded(big)).containsExactly(Map.entry("Set-Cookie", "a=1, b=2"));
    }
}
