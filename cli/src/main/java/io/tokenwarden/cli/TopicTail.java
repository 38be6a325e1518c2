package io.tokenwarden.cli;

import io.tokenwarden.contracts.Topic;
import io.tokenwarden.runtime.config.KafkaClients;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads a topic from the beginning without a consumer group (nothing is committed): up to the end offsets
 * seen at start, or on and on when following. Reads committed records only, as the stream writes
 * transactionally.
 */
final class TopicTail {

  private TopicTail() {}

  static <K, V> void read(TokenwardenConfig config, String bootstrap, Topic<K, V> topic, boolean follow,
      BooleanSupplier stopped, Consumer<ConsumerRecord<K, V>> sink) {
    Map<String, Object> props = new HashMap<>(KafkaClients.base(config, bootstrap));
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    try (var consumer = new KafkaConsumer<>(props, topic.keySerde().deserializer(),
        topic.valueSerde().deserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic.name(), Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      if (partitions.isEmpty()) {
        throw new IllegalStateException("topic " + topic.name() + " does not exist: run ./tokenwarden topics create");
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (!stopped.getAsBoolean()) {
        consumer.poll(Duration.ofMillis(200)).forEach(sink);
        if (!follow && partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p))) {
          return;
        }
      }
    }
  }
}
