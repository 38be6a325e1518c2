package io.tokenwarden.embedded;

import java.util.Locale;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One broker for a whole test JVM, the one fixture every broker test obtains its broker from:
 * {@code KAFKA_BOOTSTRAP_SERVERS} when it is set; otherwise Testcontainers' {@code KafkaContainer} (the
 * {@code apache/kafka} image) when Docker is available, else the {@link EmbeddedKafka} KRaft broker. The system
 * property {@value #PROPERTY} ({@code embedded}, {@code testcontainers}, or {@code auto}, the default) overrides
 * the choice. The broker starts on first use and stops when the JVM exits. Tests isolate themselves with their
 * own topic prefixes and application ids, so the same tests run unchanged on either broker.
 */
public final class SharedKafka {

  /** System property that picks the broker: {@code embedded}, {@code testcontainers} or {@code auto}. */
  public static final String PROPERTY = "tokenwarden.kafka";

  private static final Logger log = LoggerFactory.getLogger(SharedKafka.class);

  /** Which broker, and why. */
  public record Choice(Kind kind, String reason) {}

  /** The two brokers the fixture can start. */
  public enum Kind { EMBEDDED, TESTCONTAINERS }

  private static Choice choice;
  private static String bootstrapServers;

  private SharedKafka() {}

  /** The bootstrap servers of the shared broker, starting it if needed. */
  public static synchronized String bootstrapServers() {
    if (bootstrapServers == null) {
      String configured = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
      if (configured != null && !configured.isBlank()) {
        bootstrapServers = configured.trim();
      } else if (choice().kind() == Kind.TESTCONTAINERS) {
        bootstrapServers = ContainerKafka.start();
      } else {
        EmbeddedKafka kafka = EmbeddedKafka.start(null);
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "embedded-kafka-shutdown"));
        bootstrapServers = kafka.bootstrapServers();
      }
    }
    return bootstrapServers;
  }

  /** The broker this JVM's tests use, decided (and logged) once. */
  public static synchronized Choice choice() {
    if (choice == null) {
      choice = choose(System.getProperty(PROPERTY, "auto"), SharedKafka::dockerAvailable);
      log.info("broker tests use {}: {}", choice.kind() == Kind.TESTCONTAINERS
          ? "Testcontainers' KafkaContainer (" + ContainerKafka.image() + ")" : "the embedded KRaft broker",
          choice.reason());
    }
    return choice;
  }

  /** The choice for a setting of {@value #PROPERTY}; {@code docker} is asked only for {@code auto}. */
  static Choice choose(String setting, BooleanSupplier docker) {
    return switch (setting.trim().toLowerCase(Locale.ROOT)) {
      case "embedded" -> new Choice(Kind.EMBEDDED, "-D" + PROPERTY + "=embedded");
      case "testcontainers" -> {
        if (!docker.getAsBoolean()) {
          throw new IllegalStateException("-D" + PROPERTY + "=testcontainers, but Docker is not available");
        }
        yield new Choice(Kind.TESTCONTAINERS, "-D" + PROPERTY + "=testcontainers");
      }
      case "auto", "" -> docker.getAsBoolean()
          ? new Choice(Kind.TESTCONTAINERS, "Docker is available")
          : new Choice(Kind.EMBEDDED, "Docker is not available, falling back (-D" + PROPERTY
              + "=embedded|testcontainers to choose)");
      default -> throw new IllegalArgumentException(
          "-D" + PROPERTY + ": expected embedded, testcontainers or auto, got '" + setting + "'");
    };
  }

  /** Whether Testcontainers is on the class path and finds a Docker environment. */
  static boolean dockerAvailable() {
    try {
      Class.forName("org.testcontainers.DockerClientFactory", false, SharedKafka.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      return false;
    }
    return ContainerKafka.dockerAvailable();
  }
}
