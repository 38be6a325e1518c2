package io.tokenwarden.cli;

import io.tokenwarden.embedded.BrokerDirectoryException;
import io.tokenwarden.embedded.EmbeddedKafka;
import io.tokenwarden.runtime.config.BrokerAddress;
import io.tokenwarden.runtime.config.ConfigException;
import io.tokenwarden.runtime.config.KafkaClients;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.topics.TopicAdmin;
import org.apache.kafka.clients.admin.Admin;

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

  /**
   * Uses the configured broker, or the recorded local one if it answers, otherwise starts an embedded one (a
   * recorded address that does not answer is one a killed broker left behind).
   */
  static Broker useOrStart(TokenwardenConfig config) {
    try {
      return new Broker(BrokerAddress.resolve(config), null, config);
    } catch (ConfigException noBroker) {
      if (!config.local()) {
        throw noBroker;
      }
      return start(config);
    }
  }

  /**
   * Starts an embedded broker on the data directory's {@code kafka} directory, with the topics and records of
   * its last run, and records its address. A directory it cannot use is a {@link ConfigException}: one line that
   * names it and says what to do.
   */
  static Broker start(TokenwardenConfig config) {
    EmbeddedKafka kafka;
    try {
      kafka = EmbeddedKafka.start(config.dataDir().resolve("kafka"));
    } catch (BrokerDirectoryException e) {
      throw new ConfigException(e.getMessage() + " (TOKENWARDEN_DATA_DIR)");
    }
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
}
