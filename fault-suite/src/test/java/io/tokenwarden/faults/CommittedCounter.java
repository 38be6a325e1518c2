package io.tokenwarden.faults;

import io.tokenwarden.contracts.Topic;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Counts, as they become visible to a read_committed reader, the records of a topic that match a predicate. */
final class CommittedCounter<K, V> implements AutoCloseable {

  private final AtomicLong count = new AtomicLong();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;

  CommittedCounter(String bootstrap, Topic<K, V> topic, Predicate<ConsumerRecord<K, V>> matches) {
    thread = new Thread(() -> {
      Map<String, Object> props = Map.of("bootstrap.servers", bootstrap, "isolation.level", "read_committed");
      try (var consumer = new KafkaConsumer<>(props, topic.keySerde().deserializer(),
          topic.valueSerde().deserializer())) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic.name(), Duration.ofSeconds(30)).stream()
            .map(p -> new TopicPartition(topic.name(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        while (running.get()) {
          for (ConsumerRecord<K, V> r : consumer.poll(Duration.ofMillis(50))) {
            if (matches.test(r)) {
              count.incrementAndGet();
            }
          }
        }
      }
    }, "committed-counter-" + topic.name());
    thread.setDaemon(true);
    thread.start();
  }

  long count() {
    return count.get();
  }

  @Override
  public void close() {
    running.set(false);
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
