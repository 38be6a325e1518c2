package io.tokenwarden.faults;

import io.tokenwarden.contracts.Topic;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.producer.TokenEventPublisher;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.provider.Providers;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.sealing.Keysets;
import io.tokenwarden.runtime.topics.TopicAdmin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The environment of one scenario: its own topic prefix, application id, groups, keyset and data directory on a
 * broker, with the topics created from the catalogue, and what the checks need (a publisher, read_committed reads).
 */
final class FaultSystem {

  final String bootstrap;
  final Map<String, String> vars = new HashMap<>();
  final TokenwardenConfig config;
  final Topics topics;
  final Path dataDir;

  /**
   * @param name distinguishes this scenario's topics, application id and groups
   * @param extra further variables: providers, policies, timings
   */
  FaultSystem(String name, String bootstrap, Path dataDir, int partitions, Map<String, String> extra)
      throws Exception {
    this.bootstrap = bootstrap;
    this.dataDir = Files.createDirectories(dataDir);
    vars.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
    vars.put("TOKENWARDEN_TOPIC_PREFIX", name + ".");
    vars.put("TOKENWARDEN_PARTITIONS", Integer.toString(partitions));
    vars.put("TOKENWARDEN_DATA_DIR", dataDir.toString());
    vars.put("TOKENWARDEN_KEYSET", Keysets.toJson(Keysets.generate()));
    vars.put("TOKENWARDEN_HTTP_PORT", "0");
    vars.put("TOKENWARDEN_EXPIRY_APPLICATION_ID", name + "-expiry");
    vars.put("TOKENWARDEN_EXPIRY_STATE_DIR", dataDir.resolve("streams").toString());
    vars.put("TOKENWARDEN_WORKER_GROUP_ID", name + "-worker");
    vars.put("TOKENWARDEN_WORKER_TRANSACTIONAL_ID", name + "-worker");
    vars.putAll(extra);
    config = TokenwardenConfig.from(Env.of(vars));
    topics = config.topics();
    createTopics();
  }

  /** Creates (or verifies) this scenario's topics on its broker. */
  void createTopics() throws InterruptedException {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      new TopicAdmin(admin, (short) 1).ensure(topics);
    }
  }

  /** {@code tokenwarden args...} as a child process with this scenario's environment. */
  Child start(String name, String... args) {
    return Child.start(name, vars, args);
  }

  /** A publisher as an upstream service uses it, sealing with this scenario's keyset. */
  TokenEventPublisher publisher() {
    Env env = Env.of(vars);
    CredentialSealer sealer = new CredentialSealer(Keysets.load(env, dataDir, false));
    return TokenEventPublisher.create(config, bootstrap, sealer, new Providers(env));
  }

  /** Every committed record of {@code topic} up to its last stable offset now, in partition order. */
  <K, V> List<ConsumerRecord<K, V>> committed(Topic<K, V> topic) {
    return committed(topic.name(), topic.keySerde().deserializer(), topic.valueSerde().deserializer());
  }

  /** As {@link #committed(Topic)}, for any topic and deserializers. */
  <K, V> List<ConsumerRecord<K, V>> committed(String topic, Deserializer<K> keys, Deserializer<V> values) {
    Map<String, Object> props = Map.of("bootstrap.servers", bootstrap, "isolation.level", "read_committed",
        "max.partition.fetch.bytes", 4 << 20);
    try (var consumer = new KafkaConsumer<>(props, keys, values)) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      // Under read_committed the end offsets are the last stable offsets.
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<ConsumerRecord<K, V>> records = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("could not read " + topic + " to its end");
        }
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      return records;
    }
  }

  static Path logsDir() {
    return Path.of(System.getProperty("faults.logs", "target/fault-logs"));
  }

  /** Whether the larger run was asked for ({@code -Dfaults.scale=large}). */
  static boolean large() {
    return "large".equalsIgnoreCase(System.getProperty("faults.scale", "default"));
  }
}
