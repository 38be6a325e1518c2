package io.tokenwarden.stream;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwarden.contracts.Topic;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.contracts.WireFormat;
import io.tokenwarden.embedded.SharedKafka;
import io.tokenwarden.runtime.topics.TopicAdmin;
import io.tokenwarden.schema.TokenLifecycleEvent;
import java.nio.file.Files;
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
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

import static org.awaitility.Awaitility.await;

/** One test's topics on the shared broker, with a producer, consumers and runners of the expiry stream. */
final class BrokerFixture implements AutoCloseable {

  final String prefix;
  final Topics topics;
  final String applicationId;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final KafkaProducer<String, TokenLifecycleEvent> producer;

  BrokerFixture(String name) throws Exception {
    this(name, WireFormat.singleObject());
  }

  BrokerFixture(String name, WireFormat wireFormat) throws Exception {
    prefix = name + "-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    topics = Topics.create(prefix, 2, wireFormat);
    applicationId = prefix + "expiry";
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", SharedKafka.bootstrapServers()))) {
      new TopicAdmin(admin, (short) 1).ensure(topics);
    }
    producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all"),
        topics.lifecycle.keySerde().serializer(), topics.lifecycle.valueSerde().serializer());
    closeables.add(producer);
  }

  /** Starts a runner of the stream with fast punctuation and commits, and waits until it is RUNNING. */
  ExpiryStreamRunner startRunner(Map<String, String> env, MeterRegistry registry) throws Exception {
    return startRunner(env, registry, Map.of());
  }

  /** As {@link #startRunner(Map, MeterRegistry)}, with these Kafka client properties on top. */
  ExpiryStreamRunner startRunner(Map<String, String> env, MeterRegistry registry, Map<String, Object> kafkaOverrides)
      throws Exception {
    Map<String, String> vars = new HashMap<>(env);
    vars.putIfAbsent("TOKENWARDEN_PUNCTUATE_INTERVAL", "PT0.2S");
    vars.put("TOKENWARDEN_EXPIRY_APPLICATION_ID", applicationId);
    vars.put("TOKENWARDEN_EXPIRY_STATE_DIR", Files.createTempDirectory("expiry-it").toString());
    Map<String, Object> kafka = new HashMap<>();
    kafka.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
    kafka.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
    kafka.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
    kafka.putAll(kafkaOverrides);
    ExpiryStreamRunner runner = ExpiryStreamRunner.create(ExpiryConfig.of(vars), topics, kafka, registry);
    runner.start();
    await().atMost(Duration.ofSeconds(60)).until(() -> runner.state() == KafkaStreams.State.RUNNING);
    return runner;
  }

  ExpiryStreamRunner startRunner(Map<String, String> env) throws Exception {
    return startRunner(env, new SimpleMeterRegistry());
  }

  void send(TokenLifecycleEvent event) throws Exception {
    producer.send(new ProducerRecord<>(topics.lifecycle.name(), event.getConnectionId(), event)).get();
  }

  void sendRaw(byte[] key, byte[] value) throws Exception {
    try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers()),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      raw.send(new ProducerRecord<>(topics.lifecycle.name(), key, value)).get();
    }
  }

  /** A read-committed consumer of {@code topic} from the beginning; it accumulates into {@link Reader#records}. */
  <K, V> Reader<K, V> reader(Topic<K, V> topic) {
    KafkaConsumer<K, V> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, prefix + "reader-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
        topic.keySerde().deserializer(), topic.valueSerde().deserializer());
    consumer.subscribe(List.of(topic.name()));
    Reader<K, V> reader = new Reader<>(consumer);
    closeables.add(consumer);
    return reader;
  }

  /** Accumulates records of one topic, each with the wall-clock time it was received. */
  static final class Reader<K, V> {
    record Received<K, V>(ConsumerRecord<K, V> record, long receivedAt) {}

    final List<Received<K, V>> records = new ArrayList<>();
    private final KafkaConsumer<K, V> consumer;

    Reader(KafkaConsumer<K, V> consumer) {
      this.consumer = consumer;
    }

    List<Received<K, V>> poll() {
      for (ConsumerRecord<K, V> r : consumer.poll(Duration.ofMillis(100))) {
        records.add(new Received<>(r, System.currentTimeMillis()));
      }
      return records;
    }

    List<V> values() {
      return records.stream().map(r -> r.record().value()).toList();
    }
  }

  @Override
  public void close() {
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception e) {
        throw new IllegalStateException("cannot close " + c, e);
      }
    }
  }
}
