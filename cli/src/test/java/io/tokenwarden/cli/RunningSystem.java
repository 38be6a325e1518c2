package io.tokenwarden.cli;

import io.tokenwarden.contracts.Topic;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.embedded.SharedKafka;
import io.tokenwarden.producer.TokenEventPublisher;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.provider.Providers;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.sealing.Keysets;
import io.tokenwarden.runtime.topics.TopicAdmin;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.schema.TokenLifecycleEvent;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Tokenwarden's services in this process, as {@code ./tokenwarden run} runs them, against the shared broker with
 * topics and group ids of their own: for broker tests that need the whole system or a user's commands.
 */
final class RunningSystem implements AutoCloseable {

  final String bootstrap = SharedKafka.bootstrapServers();
  final Map<String, String> vars = new HashMap<>();
  final Env env;
  final TokenwardenConfig config;
  final Topics topics;
  final String applicationId;
  private RunCommand.Services services;

  /**
   * Prepares the environment and creates the topics; nothing runs yet.
   *
   * @param name distinguishes this system's topics, application id and groups
   * @param extra further variables: providers, policies, timings
   */
  RunningSystem(String name, Path dataDir, Map<String, String> extra) throws Exception {
    applicationId = name + "-expiry";
    vars.putAll(Map.of(
        "KAFKA_BOOTSTRAP_SERVERS", bootstrap,
        "TOKENWARDEN_TOPIC_PREFIX", name + ".",
        "TOKENWARDEN_PARTITIONS", "2",
        "TOKENWARDEN_DATA_DIR", dataDir.toString(),
        "TOKENWARDEN_KEYSET", Keysets.toJson(Keysets.generate()),
        "TOKENWARDEN_HTTP_PORT", "0",
        "TOKENWARDEN_EXPIRY_APPLICATION_ID", applicationId,
        "TOKENWARDEN_EXPIRY_STATE_DIR", dataDir.resolve("streams").toString(),
        "TOKENWARDEN_WORKER_GROUP_ID", name + "-worker",
        "TOKENWARDEN_WORKER_TRANSACTIONAL_ID", name + "-worker"));
    vars.putAll(Map.of("TOKENWARDEN_PUNCTUATE_INTERVAL", "PT0.5S", "KAFKA_COMMIT_INTERVAL_MS", "200"));
    vars.putAll(extra);
    env = Env.of(vars);
    config = TokenwardenConfig.from(env);
    topics = config.topics();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      new TopicAdmin(admin, (short) 1).ensure(topics);
    }
  }

  /** Starts the expiry stream, the refresh worker, or both. */
  RunningSystem start(boolean stream, boolean worker) throws Exception {
    services = RunCommand.Services.start(env, stream, worker, new PrintWriter(new StringWriter()));
    return this;
  }

  RunCommand.Services services() {
    return services;
  }

  /** The {@code tokenwarden} command with this system's environment. */
  CliRun cli(String... args) {
    return CliRun.run(vars, args);
  }

  /** A publisher as an upstream service uses it, sealing with this system's keyset. */
  TokenEventPublisher publisher() {
    CredentialSealer sealer = new CredentialSealer(Keysets.load(env, config.dataDir(), false));
    return TokenEventPublisher.create(config, bootstrap, sealer, new Providers(env));
  }

  /** Every status record of {@code connection} so far, oldest first; null for a tombstone. */
  List<ConnectionStatus> statuses(String connection) {
    return committed(topics.status, connection);
  }

  /** Every expiry event of {@code connection} so far. */
  List<TokenExpiryEvent> expiryEvents(String connection) {
    return committed(topics.expiry, connection);
  }

  /** Every lifecycle event of {@code connection} so far. */
  List<TokenLifecycleEvent> lifecycle(String connection) {
    return committed(topics.lifecycle, connection);
  }

  /** The committed records of {@code connection} on {@code topic} so far, oldest first. */
  private <V> List<V> committed(Topic<String, V> topic, String connection) {
    List<V> values = new ArrayList<>();
    TopicTail.read(config, bootstrap, topic, false, () -> false, r -> {
      if (connection.equals(r.key())) {
        values.add(r.value());
      }
    });
    return values;
  }

  /** Every record on the dead-letter topic so far. */
  List<ConsumerRecord<byte[], byte[]>> deadLetters() {
    return TopicRecords.all(bootstrap, topics.lifecycleDlq.name());
  }

  @Override
  public void close() {
    if (services != null) {
      services.close();
    }
  }
}
