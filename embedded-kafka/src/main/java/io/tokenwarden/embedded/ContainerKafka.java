package io.tokenwarden.embedded;

import org.apache.kafka.common.utils.AppInfoParser;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The shared broker in a container: Testcontainers' {@code KafkaContainer} with the {@code apache/kafka} image of
 * the Kafka version we build with ({@code -Dtokenwarden.kafka.image} overrides it). Loaded only when chosen, so
 * that Testcontainers is needed only on the class paths of broker tests.
 */
final class ContainerKafka {

  private ContainerKafka() {}

  static String image() {
    return System.getProperty("tokenwarden.kafka.image", "apache/kafka:" + AppInfoParser.getVersion());
  }

  static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  /** Starts the container, stopped when the JVM exits; returns its bootstrap servers. */
  @SuppressWarnings("resource")
  static String start() {
    KafkaContainer kafka = new KafkaContainer(image())
        .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
        .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
    kafka.start();
    Runtime.getRuntime().addShutdownHook(new Thread(kafka::stop, "kafka-container-shutdown"));
    return kafka.getBootstrapServers();
  }
}
