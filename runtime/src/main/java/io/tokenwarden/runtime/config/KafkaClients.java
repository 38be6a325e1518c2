package io.tokenwarden.runtime.config;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;

/** Client properties shared by every producer and consumer: the {@code KAFKA_*} settings plus our defaults. */
public final class KafkaClients {

  private KafkaClients() {}

  /** {@code KAFKA_*} settings with {@code bootstrap.servers} set. */
  public static Map<String, Object> base(TokenwardenConfig config, String bootstrapServers) {
    Map<String, Object> props = new HashMap<>(config.kafka());
    props.put("bootstrap.servers", bootstrapServers);
    return props;
  }

  /** A durable producer: idempotent, acks=all. Explicit {@code KAFKA_*} settings win except for those two. */
  public static Map<String, Object> durableProducer(TokenwardenConfig config, String bootstrapServers, String clientId) {
    Map<String, Object> props = base(config, bootstrapServers);
    props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    return props;
  }
}
