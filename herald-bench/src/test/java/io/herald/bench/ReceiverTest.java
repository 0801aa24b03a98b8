package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The receiver against a real Jetty client on loopback. */
class ReceiverTest {
    private static final Receiver receiver = new Receiver();
    private static final HttpClient client = new HttpClient();
    private static final byte[] BODY = ("{\"pad\":\"" + "x".repeat(1_000) + "\"}").getBytes(StandardCharsets.UTF_8);

    @BeforeAll
    static void startClient() throws Exception {
        client.start();
    }

    @AfterAll
    static void stop() throws Exception {
        client.stop();
        receiver.close();
    }

    @BeforeEach
    void reset() {
        receiver.reset();
    }

    private ContentResponse post(String path, String webhookId) throws Exception {
        return client.newRequest(receiver.url(path)).method(HttpMethod.POST)
                .headers(h -> {
                    if (webhookId != null) {
                        h.put("webhook-id", webhookId);
                    }
                })
                .body(new BytesRequestContent("application/json", BODY))
                .timeout(5, TimeUnit.SECONDS).send();
    }

    @Test
    void up_answers200Empty_andCountsWithoutTallyingWhenNotRecording() throws Exception {
        ContentResponse r = post("/t/1", "msg_a");
        assertThat(r.getStatus()).isEqualTo(200);
        assertThat(r.getContent()).isEmpty();
        assertThat(receiver.ok()).isEqualTo(1);
        assertThat(receiver.tally("msg_a")).isNull();
    }

    @Test
    void recording_talliesFirstLastAndCountPerWebhookId() throws Exception {
        receiver.recording(true);
        long before = System.nanoTime();
        post("/f/1?e=1", "msg_fan");
        post("/f/1?e=2", "msg_fan");
        post("/f/1?e=3", "msg_fan");
        post("/l/1", "msg_other");
        post("/l/1", null);
        Receiver.Tally t = receiver.tally("msg_fan");
        assertThat(t.count()).isEqualTo(3);
        assertThat(t.first).isGreaterThanOrEqualTo(before);
        assertThat(t.last()).isGreaterThan(t.first).isLessThanOrEqualTo(System.nanoTime());
        assertThat(receiver.tally("msg_other").count()).isEqualTo(1);
        assertThat(receiver.tallied()).isEqualTo(2);
        assertThat(receiver.ok()).isEqualTo(5);
    }

    @Test
    void isolationDeliveredRate_countsTrackedMessagesReceived_perSecondToTheLastReceipt() throws Exception {
        receiver.recording(true);
        long start = System.nanoTime();
        Thread.sleep(20);
        post("/i/1", "msg_1");
        post("/i/2", "msg_2");
        post("/i/3", "msg_warmup");
        java.util.Map<String, Long> tracked = java.util.Map.of("msg_1", 0L, "msg_2", 0L, "msg_lost", 0L);
        long last = Math.max(receiver.tally("msg_1").first, receiver.tally("msg_2").first);
        assertThat(IsolationScenario.deliveredRate(tracked, receiver, start)).isEqualTo(2 / ((last - start) / 1e9));
        assertThat(IsolationScenario.deliveredRate(java.util.Map.of("msg_lost", 0L), receiver, start)).isZero();
    }

    @Test
    void down_answers503WithRetryAfterAsAnHttpDate_andCountsSeparately() throws Exception {
        receiver.down(Instant.parse("2030-01-02T03:04:05Z"));
        ContentResponse r = post("/b?e=1", "msg_b");
        assertThat(r.getStatus()).isEqualTo(503);
        assertThat(r.getHeaders().get(HttpHeader.RETRY_AFTER)).isEqualTo("Wed, 2 Jan 2030 03:04:05 GMT");
        assertThat(receiver.refused()).isEqualTo(1);
        assertThat(receiver.ok()).isZero();

        receiver.down(null);
        assertThat(post("/b?e=1", "msg_b").getHeaders().get(HttpHeader.RETRY_AFTER)).isNull();
        receiver.up();
        assertThat(post("/b?e=1", "msg_b").getStatus()).isEqualTo(200);
    }

    @Test
    void fail_answers500AtOnce_countedApartFromOkAndDown() throws Exception {
        assertThat(post("/fail/1", "msg_f").getStatus()).isEqualTo(500);
        receiver.down(null);
        assertThat(post("/fail/2", "msg_f").getStatus()).isEqualTo(500);
        assertThat(receiver.failedHard()).isEqualTo(2);
        assertThat(receiver.failTimes()).hasSize(2);
        assertThat(receiver.refused()).isZero();
        assertThat(receiver.ok()).isZero();
        receiver.reset();
        assertThat(receiver.failedHard()).isZero();
        assertThat(receiver.failTimes()).isEmpty();
    }

    @Test
    void hang_neverAnswers_theClientGivesUp() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> client.newRequest(receiver.url("/hang/1")).method(HttpMethod.POST)
                .body(new BytesRequestContent("application/json", new byte[] {'{', '}'}))
                .timeout(300, TimeUnit.MILLISECONDS).send())
                .isInstanceOf(TimeoutException.class);
        assertThat((System.nanoTime() - start) / 1e6).isGreaterThanOrEqualTo(290);
        assertThat(receiver.hung()).isEqualTo(1);
        assertThat(receiver.ok()).isZero();
    }

    @Test
    void stop_refusesConnections_andStartComesBackOnTheSamePort() throws Exception {
        int port = receiver.port();
        receiver.stop();
        try {
            assertThatThrownBy(() -> post("/t/1", "msg_x")).isInstanceOf(ExecutionException.class)
                    .hasRootCauseInstanceOf(ConnectException.class);
        } finally {
            receiver.start();
        }
        assertThat(receiver.port()).isEqualTo(port);
        assertThat(post("/t/1", "msg_x").getStatus()).isEqualTo(200);
    }
}
