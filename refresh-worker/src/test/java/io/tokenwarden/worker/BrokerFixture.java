package io.tokenwarden.worker;

import io.tokenwarden.contracts.DeadLetters;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.embedded.SharedKafka;
import io.tokenwarden.runtime.topics.TopicAdmin;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.TokenLifecycleEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Topics of one test on the shared broker, a command producer and a read_committed outcome reader. */
final class BrokerFixture implements AutoCloseable {

  final Topics topics;
  /** The topics' name prefix, for a child process ({@code TOKENWARDEN_TOPIC_PREFIX}). */
  final String prefix;
  final String bootstrap = SharedKafka.bootstrapServers();
  private final KafkaProducer<String, RefreshCommand> producer;
  private final KafkaConsumer<String, TokenLifecycleEvent> reader;
  private final List<ConsumerRecord<String, TokenLifecycleEvent>> outcomes = new ArrayList<>();
  private final KafkaConsumer<byte[], byte[]> dlqReader;
  private final List<ConsumerRecord<byte[], byte[]>> deadLetters = new ArrayList<>();

  BrokerFixture(String prefix, int partitions) throws InterruptedException {
    this.prefix = prefix + UUID.randomUUID().toString().substring(0, 8) + ".";
    topics = Topics.create(this.prefix, partitions);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      new TopicAdmin(admin, (short) 1).ensure(topics);
    }
    producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5),
        topics.refreshCommands.keySerde().serializer(), topics.refreshCommands.valueSerde().serializer());
    reader = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
        topics.lifecycle.keySerde().deserializer(), topics.lifecycle.valueSerde().deserializer());
    reader.subscribe(List.of(topics.lifecycle.name()));
    dlqReader = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    dlqReader.subscribe(List.of(topics.lifecycleDlq.name()));
  }

  /** Every dead letter read so far (read_committed), after one more poll. */
  List<ConsumerRecord<byte[], byte[]>> deadLetters() {
    dlqReader.poll(Duration.ofMillis(200)).forEach(deadLetters::add);
    return List.copyOf(deadLetters);
  }

  /** The reason header of a dead letter. */
  static String reason(ConsumerRecord<byte[], byte[]> deadLetter) {
    return new String(deadLetter.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8);
  }

  Map<String, Object> kafkaProps() {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", bootstrap);
    return props;
  }

  void send(RefreshCommand command) {
    producer.send(new ProducerRecord<>(topics.refreshCommands.name(), command.getConnectionId(), command));
  }

  void flush() {
    producer.flush();
  }

  /** Every outcome read so far, after one more poll; in log order per partition. */
  List<ConsumerRecord<String, TokenLifecycleEvent>> outcomes() {
    reader.poll(Duration.ofMillis(200)).forEach(outcomes::add);
    return List.copyOf(outcomes);
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
    reader.close(Duration.ofSeconds(5));
    dlqReader.close(Duration.ofSeconds(5));
  }
}
