package io.tokenwarden.embedded;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka (one combined broker and controller) running in this JVM, from the Maven Central
 * jars. It uses the latest production metadata version and replication factors of 1. The demo and the broker
 * tests use it; nothing else should.
 */
public final class EmbeddedKafka implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

  private final KafkaClusterTestKit cluster;
  private final String bootstrapServers;

  private EmbeddedKafka(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
    this.bootstrapServers = cluster.bootstrapServers();
  }

  /**
   * Formats and starts a broker whose logs live under {@code baseDir} (a new temporary directory if null) and
   * are deleted on close.
   */
  public static EmbeddedKafka start(Path baseDir) {
    long started = System.nanoTime();
    try {
      Path dir = baseDir != null ? Files.createDirectories(baseDir) : Files.createTempDirectory("tokenwarden-kafka");
      TestKitNodes nodes = new TestKitNodes.Builder()
          .setCombined(true)
          .setNumBrokerNodes(1)
          .setNumControllerNodes(1)
          .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
          .setBaseDirectory(dir)
          .build();
      KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(nodes)
          .setConfigProp("offsets.topic.replication.factor", "1")
          .setConfigProp("offsets.topic.num.partitions", "6")
          .setConfigProp("transaction.state.log.replication.factor", "1")
          .setConfigProp("transaction.state.log.min.isr", "1")
          .setConfigProp("transaction.state.log.num.partitions", "6")
          .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
          .setConfigProp("share.coordinator.state.topic.min.isr", "1")
          .setConfigProp("group.initial.rebalance.delay.ms", "0")
          .setConfigProp("auto.create.topics.enable", "false")
          .setConfigProp("default.replication.factor", "1")
          .setConfigProp("min.insync.replicas", "1")
          .setDeleteOnClose(true)
          .build();
      formatQuietly(cluster);
      cluster.startup();
      cluster.waitForReadyBrokers();
      EmbeddedKafka kafka = new EmbeddedKafka(cluster);
      log.info("embedded Kafka {} ready at {} in {} ms", MetadataVersion.latestProduction(),
          kafka.bootstrapServers, (System.nanoTime() - started) / 1_000_000);
      return kafka;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting embedded Kafka", e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start embedded Kafka: " + e.getMessage(), e);
    }
  }

  /** The storage formatter prints to System.out; keep that out of command output. */
  private static void formatQuietly(KafkaClusterTestKit cluster) throws Exception {
    java.io.PrintStream stdout = System.out;
    synchronized (System.class) {
      System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
      try {
        cluster.format();
      } finally {
        System.setOut(stdout);
      }
    }
  }

  /** {@code host:port} of the broker's client listener. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  @Override
  public void close() {
    try {
      cluster.close();
    } catch (Exception e) {
      log.warn("embedded Kafka did not close cleanly: {}", e.toString());
    }
  }
}
