package io.tokenwarden.runtime.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which Kafka cluster a process talks to: {@code KAFKA_BOOTSTRAP_SERVERS} when set, otherwise the local
 * embedded broker whose address {@code ./tokenwarden kafka} or {@code demo} recorded in the data directory.
 */
public final class BrokerAddress {

  /** File under the data directory that holds the embedded broker's {@code host:port}. */
  public static final String FILE = "kafka.bootstrap";

  private BrokerAddress() {}

  /** The bootstrap servers to use, or a {@link ConfigException} saying how to get a broker. */
  public static String resolve(TokenwardenConfig config) {
    if (config.bootstrapServers().isPresent()) {
      return config.bootstrapServers().get();
    }
    Path file = config.dataDir().resolve(FILE);
    try {
      if (Files.exists(file)) {
        String address = Files.readString(file).trim();
        if (!address.isEmpty()) {
          return address;
        }
      }
    } catch (IOException e) {
      throw new ConfigException("cannot read " + file + ": " + e.getMessage(), e);
    }
    throw new ConfigException("no Kafka broker: set KAFKA_BOOTSTRAP_SERVERS, or start the local one with"
        + " './tokenwarden kafka' or './tokenwarden demo' (looked for " + file + ")");
  }

  /** Records the local embedded broker's address for other local processes. */
  public static void record(Path dataDir, String bootstrapServers) {
    try {
      Files.createDirectories(dataDir);
      Files.writeString(dataDir.resolve(FILE), bootstrapServers + "\n");
    } catch (IOException e) {
      throw new ConfigException("cannot write " + dataDir.resolve(FILE) + ": " + e.getMessage(), e);
    }
  }

  /** Forgets the recorded address if it is still {@code bootstrapServers}. */
  public static void forget(Path dataDir, String bootstrapServers) {
    Path file = dataDir.resolve(FILE);
    try {
      if (Files.exists(file) && Files.readString(file).trim().equals(bootstrapServers)) {
        Files.delete(file);
      }
    } catch (IOException ignored) {
      // Best effort at shutdown: a stale address only makes the next client fail to connect, with a clear error.
    }
  }
}
