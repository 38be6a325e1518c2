package io.tokenwarden.worker;

import io.tokenwarden.contracts.Topics;
import io.tokenwarden.embedded.SharedKafka;
import io.tokenwarden.runtime.topics.TopicAdmin;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.TokenLifecycleEvent;
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

/** Topics of one test on the shared broker, a command producer and a read_committed outcome reader. */
final class BrokerFixture implements AutoCloseable {

  final Topics topics;
  final String bootstrap = SharedKafka.bootstrapServers();
  private final KafkaProducer<String, RefreshCommand> producer;
  private final KafkaConsumer<String, TokenLifecycleEvent> reader;
  private final List<ConsumerRecord<String, TokenLifecycleEvent>> outcomes = new ArrayList<>();

  BrokerFixture(String prefix, int partitions) throws InterruptedException {
    topics = Topics.create(prefix + UUID.randomUUID().toString().substring(0, 8) + ".", partitions);
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
  }
}
