package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** What the harness reads from and writes to Herald, without Herald. */
class HeraldBitsTest {
    @Test
    void payload_isAJsonObjectOfExactly1KiB() {
        assertThat(HeraldApi.PAYLOAD.getBytes(StandardCharsets.UTF_8)).hasSize(1024);
        JsonNode body = JsonMapper.builder().build().readTree(HeraldApi.PUBLISH_BODY);
        assertThat(body.get("eventType").asString()).isEqualTo(HeraldApi.EVENT_TYPE);
        assertThat(body.get("payload").isObject()).isTrue();
        assertThat(body.get("payload").toString()).hasSize(1024);
    }

    @Test
    void idOf_readsTheIdMember_notEventId() {
        assertThat(HeraldApi.idOf("{\"id\":\"msg_2x\",\"eventType\":\"a\",\"eventId\":\"e1\"}")).isEqualTo("msg_2x");
        assertThat(HeraldApi.idOf("{\"eventId\":\"e1\",\"id\":\"msg_3\"}")).isEqualTo("msg_3");
        assertThat(HeraldApi.idOf("{\"eventId\":\"e1\"}")).isNull();
    }

    @Test
    void member_readsANestedStringMember_likeTheEndpointsHealthState() {
        String endpoint = "{\"id\":\"ep_1\",\"url\":\"http://x\",\"health\":{\"state\":\"open\",\"consecutiveFailures\":12}}";
        assertThat(HeraldApi.member(endpoint, "state")).isEqualTo("open");
        assertThat(HeraldApi.member(endpoint, "lastError")).isNull();
    }

    @Test
    void parseHeapInfo_readsZgcAndG1() {
        HeraldProcess.Heap z = HeraldProcess.parseHeapInfo("""
                123:
                ZHeap            used 52M, capacity 378M, max capacity 1024M
                 Cache           326M (4)""");
        assertThat(z.usedMiB()).isEqualTo(52);
        assertThat(z.committedMiB()).isEqualTo(378);
        HeraldProcess.Heap g1 = HeraldProcess.parseHeapInfo("""
                123:
                 garbage-first heap   total 262144K, used 20480K [0x00000000c0000000, 0x0000000100000000)
                  region size 1024K, 12 young (12288K), 0 survivors (0K)""");
        assertThat(g1.usedMiB()).isEqualTo(20);
        assertThat(g1.committedMiB()).isEqualTo(256);
        assertThat(HeraldProcess.parseHeapInfo("nothing here").usedMiB()).isNaN();
    }
}
