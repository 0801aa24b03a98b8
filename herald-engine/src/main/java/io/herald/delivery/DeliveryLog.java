package io.herald.delivery;

import org.slf4j.spi.LoggingEventBuilder;

/**
 * The fields every log line about one delivery carries as key-value pairs, besides its text, so that
 * a JSON log (HERALD_LOG_FORMAT=json) can be searched by them: {@code delivery_id}, {@code message_id},
 * {@code endpoint_id}, {@code app_id} and {@code outcome} (what happened: {@code exhausted},
 * {@code gone}, {@code lease_lost}, {@code not_rendered}, {@code prepare_failed}, {@code unrecorded},
 * {@code failed_inside_herald}, {@code ended_abnormally}).
 */
final class DeliveryLog {
    private DeliveryLog() {}

    static LoggingEventBuilder about(LoggingEventBuilder line, Deliveries.Claim c, String outcome) {
        return line.addKeyValue("delivery_id", c.id())
                .addKeyValue("message_id", c.messageId())
                .addKeyValue("endpoint_id", c.endpointId())
                .addKeyValue("app_id", c.appId())
                .addKeyValue("outcome", outcome);
    }
}
