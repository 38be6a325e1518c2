package io.tokenwarden.cli;

import io.tokenwarden.embedded.EmbeddedKafka;
import io.tokenwarden.runtime.config.BrokerAddress;
import io.tokenwarden.runtime.config.ConfigException;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.topics.TopicAdmin;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import io.tokenwarden.runtime.config.KafkaClients;

/**
 * The broker a long-running command uses: the configured cluster, the local broker another command
 * recorded, or an embedded one it starts itself (and records, so that other commands find it).
 */
final class Broker implements AutoCloseable {

  private final String bootstrapServers;
  private final EmbeddedKafka embedded;
  private final TokenwardenConfig config;

  private Broker(String bootstrapServers, EmbeddedKafka embedded, TokenwardenConfig config) {
    this.bootstrapServers = bootstrapServers;
    this.embedded = embedded;
    this.config = config;
  }

  /** Uses the configured or recorded broker if any, otherwise starts an embedded one. */
  static Broker useOrStart(TokenwardenConfig config) {
    try {
      String existing = BrokerAddress.resolve(config);
      if (config.local() && !reachable(config, existing)) {
        return start(config);
      }
      return new Broker(existing, null, config);
    } catch (ConfigException noBroker) {
      if (!config.local()) {
        throw noBroker;
      }
      return start(config);
    }
  }

  /** Starts an embedded broker and records its address. */
  static Broker start(TokenwardenConfig config) {
    EmbeddedKafka kafka = EmbeddedKafka.start(config.dataDir().resolve("kafka"));
    BrokerAddress.record(config.dataDir(), kafka.bootstrapServers());
    return new Broker(kafka.bootstrapServers(), kafka, config);
  }

  String bootstrapServers() {
    return bootstrapServers;
  }

  boolean embedded() {
    return embedded != null;
  }

  /** Creates missing topics and verifies existing ones. */
  TopicAdmin.Report ensureTopics() throws InterruptedException {
    try (Admin admin = Admin.create(KafkaClients.base(config, bootstrapServers))) {
      return new TopicAdmin(admin, embedded() ? (short) 1 : (short) -1).ensure(config.topics());
    }
  }

  @Override
  public void close() {
    if (embedded != null) {
      BrokerAddress.forget(config.dataDir(), bootstrapServers);
      embedded.close();
    }
  }

  private static boolean reachable(TokenwardenConfig config, String bootstrap) {
    Map<String, Object> props = KafkaClients.base(config, bootstrap);
    props.put("request.timeout.ms", 3000);
    props.put("default.api.timeout.ms", 3000);
    try (Admin admin = Admin.create(props)) {
      admin.describeCluster().clusterId().get();
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
