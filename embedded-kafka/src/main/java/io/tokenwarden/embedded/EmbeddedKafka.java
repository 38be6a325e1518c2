package io.tokenwarden.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka (one combined broker and controller) running in this JVM, from the Maven Central
 * jars: Kafka's own {@code KafkaRaftServer}, as {@code kafka-server-start.sh} runs it, with replication factors
 * of 1. The demo and the broker tests use it; nothing else should.
 *
 * <p>Its data outlives any stop, a SIGKILL included: the cluster id stays in the directory's
 * {@code meta.properties}, the directory is formatted only when it is new, and the next start on it finds every
 * topic and record. It takes the ports of its last start again when they are free, so that clients of the
 * previous run reconnect by themselves.
 */
public final class EmbeddedKafka implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
  private static final String CONTROLLER = "CONTROLLER";

  private final KafkaRaftServer server;
  private final BrokerDirectory directory;
  private final boolean temporary;
  private final String bootstrapServers;
  private boolean closed;

  private EmbeddedKafka(KafkaRaftServer server, BrokerDirectory directory, boolean temporary, int port) {
    this.server = server;
    this.directory = directory;
    this.temporary = temporary;
    this.bootstrapServers = "localhost:" + port;
  }

  /**
   * Starts a broker whose data lives under {@code baseDir}, formatting it only if it is new, and keeps the
   * data on close; with a null {@code baseDir}, a new temporary directory that is deleted on close.
   *
   * @throws BrokerDirectoryException if {@code baseDir} cannot be used (a file, not writable, a broken
   *     {@code meta.properties}, another broker running on it); its message is one line for the user
   */
  public static EmbeddedKafka start(Path baseDir) {
    long started = System.nanoTime();
    quietLog4j();
    boolean temporary = baseDir == null;
    Path root;
    try {
      root = temporary ? Files.createTempDirectory("tokenwarden-kafka") : baseDir;
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a temporary directory for embedded Kafka: " + e, e);
    }
    BrokerDirectory directory = BrokerDirectory.open(root);
    KafkaRaftServer server = null;
    try {
      boolean fresh = directory.clusterId().isEmpty();
      String clusterId = directory.clusterId().orElseGet(() -> Uuid.randomUuid().toString());
      if (fresh) {
        format(directory, clusterId);
      }
      BrokerDirectory.Ports last = directory.lastPorts();
      int controllerPort = BrokerDirectory.freePort(last.controller(), -1);
      int brokerPort = BrokerDirectory.freePort(last.broker(), controllerPort);
      server = new KafkaRaftServer(new KafkaConfig(config(directory, brokerPort, controllerPort), false), Time.SYSTEM);
      server.startup();
      directory.recordPorts(brokerPort, controllerPort);
      EmbeddedKafka kafka = new EmbeddedKafka(server, directory, temporary, brokerPort);
      log.info("embedded Kafka {} ready at {} in {} ms ({} {}, cluster id {})", MetadataVersion.latestProduction(),
          kafka.bootstrapServers, (System.nanoTime() - started) / 1_000_000,
          fresh ? "new data in" : "existing data in", root, clusterId);
      return kafka;
    } catch (RuntimeException | Error e) {
      if (server != null) {
        shutdown(server);
      }
      directory.close();
      if (e instanceof BrokerDirectoryException) {
        throw e;
      }
      throw new IllegalStateException("cannot start embedded Kafka in " + root + ": " + e.getMessage(), e);
    } catch (Exception e) {
      directory.close();
      throw new IllegalStateException("cannot start embedded Kafka in " + root + ": " + e.getMessage(), e);
    }
  }

  /**
   * Kafka's server registers a Log4j controller through log4j-api, which without log4j-core prints an ERROR
   * line on stderr at each start; we log through SLF4J, so give log4j-api its silent simple implementation.
   */
  private static void quietLog4j() {
    try {
      Class.forName("org.apache.logging.log4j.core.LoggerContext", false, EmbeddedKafka.class.getClassLoader());
    } catch (ClassNotFoundException noLog4jCore) {
      System.getProperties().putIfAbsent("log4j2.loggerContextFactory",
          "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
    }
  }

  /** What {@code kafka-storage.sh format} does, for a new directory only; its report is kept off stdout. */
  private static void format(BrokerDirectory directory, String clusterId) throws Exception {
    String logDir = directory.logDir().toString();
    new Formatter()
        .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
        .setNodeId(BrokerDirectory.NODE_ID)
        .setClusterId(clusterId)
        .setDirectories(List.of(logDir))
        .setMetadataLogDirectory(logDir)
        .setReleaseVersion(MetadataVersion.latestProduction())
        .setControllerListenerName(CONTROLLER)
        .run();
  }

  private static Map<String, Object> config(BrokerDirectory directory, int brokerPort, int controllerPort) {
    Map<String, Object> props = new HashMap<>();
    props.put("process.roles", "broker,controller");
    props.put("node.id", Integer.toString(BrokerDirectory.NODE_ID));
    // A static voter set: the controller's port may change from one start to the next.
    props.put("controller.quorum.voters", BrokerDirectory.NODE_ID + "@localhost:" + controllerPort);
    props.put("controller.listener.names", CONTROLLER);
    props.put("listeners", "PLAINTEXT://localhost:" + brokerPort + "," + CONTROLLER + "://localhost:" + controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://localhost:" + brokerPort);
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER + ":PLAINTEXT");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("log.dirs", directory.logDir().toString());
    props.put("metadata.log.dir", directory.logDir().toString());
    props.put("offsets.topic.replication.factor", "1");
    props.put("offsets.topic.num.partitions", "6");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("transaction.state.log.num.partitions", "6");
    props.put("share.coordinator.state.topic.replication.factor", "1");
    props.put("share.coordinator.state.topic.min.isr", "1");
    props.put("group.initial.rebalance.delay.ms", "0");
    props.put("auto.create.topics.enable", "false");
    props.put("default.replication.factor", "1");
    props.put("min.insync.replicas", "1");
    // After a crash the controller holds the dead incarnation's registration until its session expires, and the
    // new one cannot register before: a 3 s session instead of 9 s makes a restart after SIGKILL that much faster.
    props.put("broker.session.timeout.ms", "3000");
    props.put("broker.heartbeat.interval.ms", "750");
    // The default 128 MB dedupe buffer is for production brokers; our compacted topics are small.
    props.put("log.cleaner.dedupe.buffer.size", "2097152");
    return props;
  }

  /** {@code host:port} of the broker's client listener. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** Stops the broker; its data stays, unless it lives in a temporary directory. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    shutdown(server);
    directory.close();
    if (temporary) {
      deleteQuietly(directory.root());
    }
  }

  private static void shutdown(KafkaRaftServer server) {
    try {
      server.shutdown();
      server.awaitShutdown();
    } catch (RuntimeException e) {
      log.warn("embedded Kafka did not close cleanly: {}", e.toString());
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      log.warn("could not delete {}: {}", dir, e.toString());
    }
  }
}
