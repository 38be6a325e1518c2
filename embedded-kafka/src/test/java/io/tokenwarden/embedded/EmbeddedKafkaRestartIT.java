package io.tokenwarden.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded broker's data outlives its process: a broker in a child JVM, killed with SIGKILL after its
 * records were acknowledged, starts again on the same directory with every topic, record and committed offset,
 * on the same port; and again after a clean close.
 */
class EmbeddedKafkaRestartIT {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaRestartIT.class);
  private static final int RECORDS = 2_000;
  private static final int TRANSACTIONAL = 200;

  @Test
  void afterSigkillEveryTopicRecordAndOffsetIsBack(@TempDir Path dir) throws Exception {
    Process child = startChild(dir);
    List<String> plain;
    List<String> committed;
    String firstBootstrap;
    try {
      firstBootstrap = awaitReady(child);
      plain = new ArrayList<>();
      committed = new ArrayList<>();
      try (Admin admin = admin(firstBootstrap)) {
        admin.createTopics(List.of(new NewTopic("crash-plain", 3, (short) 1),
            new NewTopic("crash-tx", 2, (short) 1))).all().get(60, TimeUnit.SECONDS);
      }
      try (var producer = new KafkaProducer<String, String>(producerProps(firstBootstrap, null))) {
        for (int i = 0; i < RECORDS; i++) {
          String value = "plain-" + i;
          producer.send(new ProducerRecord<>("crash-plain", "k" + (i % 50), value));
          plain.add(value);
        }
        producer.flush();
      }
      try (var producer = new KafkaProducer<String, String>(producerProps(firstBootstrap, "crash-it"))) {
        producer.initTransactions();
        producer.beginTransaction();
        for (int i = 0; i < TRANSACTIONAL; i++) {
          producer.send(new ProducerRecord<>("crash-tx", "k" + i, "tx-" + i));
          committed.add("tx-" + i);
        }
        producer.commitTransaction();
        // An open transaction at the kill: read_committed readers must never see it.
        producer.beginTransaction();
        producer.send(new ProducerRecord<>("crash-tx", "open", "never-committed"));
        producer.flush();
      }
      try (var consumer = new KafkaConsumer<String, String>(consumerProps(firstBootstrap, "crash-group"))) {
        consumer.commitSync(Map.of(new TopicPartition("crash-plain", 0), new OffsetAndMetadata(7, "seen")));
      }
      // The directory is locked while the child runs: a second broker is refused in one line.
      assertThatThrownBy(() -> EmbeddedKafka.start(dir).close())
          .isInstanceOf(BrokerDirectoryException.class)
          .hasMessageContaining("another broker is running on it (at " + firstBootstrap + ")");
    } finally {
      child.destroyForcibly();
    }
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).as("exit status of SIGKILL").isEqualTo(128 + 9);

    long started = System.nanoTime();
    try (EmbeddedKafka restarted = EmbeddedKafka.start(dir)) {
      log.info("restart on the killed broker's directory took {} ms", (System.nanoTime() - started) / 1_000_000);
      assertThat(restarted.bootstrapServers()).as("the port of the last start, taken again").isEqualTo(firstBootstrap);
      assertEverythingIsBack(restarted.bootstrapServers(), plain, committed);
    }
    // A clean close keeps the data too.
    try (EmbeddedKafka again = EmbeddedKafka.start(dir)) {
      assertEverythingIsBack(again.bootstrapServers(), plain, committed);
    }
  }

  private static void assertEverythingIsBack(String bootstrap, List<String> plain, List<String> committed)
      throws Exception {
    try (Admin admin = admin(bootstrap)) {
      assertThat(admin.listTopics().names().get(60, TimeUnit.SECONDS)).contains("crash-plain", "crash-tx");
      assertThat(admin.listConsumerGroupOffsets("crash-group").partitionsToOffsetAndMetadata()
          .get(60, TimeUnit.SECONDS)).containsEntry(new TopicPartition("crash-plain", 0),
              new OffsetAndMetadata(7, "seen"));
    }
    assertThat(readAll(bootstrap, "crash-plain", plain.size())).containsExactlyInAnyOrderElementsOf(plain);
    assertThat(readAll(bootstrap, "crash-tx", committed.size())).containsExactlyInAnyOrderElementsOf(committed);
  }

  /** Every record of {@code topic} a {@code read_committed} reader sees, up to the end of each partition. */
  private static List<String> readAll(String bootstrap, String topic, int expected) {
    List<String> values = new ArrayList<>();
    try (var consumer = new KafkaConsumer<String, String>(consumerProps(bootstrap, null))) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(60)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(60));
      await().atMost(Duration.ofSeconds(120)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
        return partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
      });
      // The end offsets were read once; anything past them would be a record that should not be there.
      consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
    }
    assertThat(values).as("records read back from %s", topic).hasSize(expected);
    return values;
  }

  private static Process startChild(Path dir) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        BrokerProcess.class.getName(), dir.toString());
    builder.redirectErrorStream(true);
    return builder.start();
  }

  /** Waits for the child's {@code ready} line, echoing the rest of its output to this test's log. */
  private static String awaitReady(Process child) {
    AtomicReference<String> ready = new AtomicReference<>();
    Thread reader = new Thread(() -> {
      try (var in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          if (line.startsWith("ready ")) {
            ready.set(line.substring("ready ".length()));
          } else {
            log.info("[broker child] {}", line);
          }
        }
      } catch (java.io.IOException ignored) {
        // The child was killed.
      }
    }, "broker-child-output");
    reader.setDaemon(true);
    reader.start();
    await().atMost(Duration.ofSeconds(180)).until(() -> ready.get() != null || !child.isAlive());
    assertThat(ready.get()).as("the child broker's ready line (it is alive: %s)", child.isAlive()).isNotNull();
    return ready.get();
  }

  private static Admin admin(String bootstrap) {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
  }

  private static Map<String, Object> producerProps(String bootstrap, String transactionalId) {
    Map<String, Object> props = new HashMap<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    if (transactionalId != null) {
      props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    }
    return props;
  }

  private static Map<String, Object> consumerProps(String bootstrap, String group) {
    Map<String, Object> props = new HashMap<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class));
    if (group != null) {
      props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    }
    return props;
  }
}
