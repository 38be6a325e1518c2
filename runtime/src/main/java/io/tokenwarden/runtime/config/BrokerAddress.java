package io.tokenwarden.runtime.config;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Which Kafka cluster a process talks to: {@code KAFKA_BOOTSTRAP_SERVERS} when set, otherwise the local
 * embedded broker whose address {@code ./tokenwarden kafka} or {@code demo} recorded in the data directory, if
 * it still answers.
 */
public final class BrokerAddress {

  /** File under the data directory that holds the embedded broker's {@code host:port}. */
  public static final String FILE = "kafka.bootstrap";

  /**
   * How long a recorded address may take to accept a TCP connection. The local broker accepts in well under a
   * millisecond; a killed one's port refuses at once, and this bounds the rest (a host that drops packets).
   */
  public static final Duration PROBE_TIMEOUT = Duration.ofMillis(300);

  private BrokerAddress() {}

  /**
   * The bootstrap servers to use, or a {@link ConfigException} saying how to get a broker. A recorded address
   * whose broker does not accept a connection (a killed broker leaves its address behind) counts as none; the
   * check is a plain TCP connect, so it takes at most {@link #PROBE_TIMEOUT} and logs nothing.
   */
  public static String resolve(TokenwardenConfig config) {
    if (config.bootstrapServers().isPresent()) {
      return config.bootstrapServers().get();
    }
    Path file = config.dataDir().resolve(FILE);
    String address = "";
    try {
      if (Files.exists(file)) {
        address = Files.readString(file).trim();
      }
    } catch (IOException e) {
      throw new ConfigException("cannot read " + file + ": " + e.getMessage(), e);
    }
    if (address.isEmpty()) {
      throw new ConfigException("no Kafka broker: set KAFKA_BOOTSTRAP_SERVERS, or start the local one with"
          + " './tokenwarden kafka' or './tokenwarden demo' (looked for " + file + ")");
    }
    if (!answers(address, PROBE_TIMEOUT)) {
      throw new ConfigException("no Kafka broker: the local one recorded in " + file + " (" + address
          + ") is not running; start it with './tokenwarden kafka' or './tokenwarden demo', or set"
          + " KAFKA_BOOTSTRAP_SERVERS");
    }
    return address;
  }

  /**
   * Whether any of the comma-separated {@code host:port} addresses accepts a TCP connection within
   * {@code timeout}; no Kafka client is built, so a dead address costs no retries and no warnings.
   */
  public static boolean answers(String bootstrapServers, Duration timeout) {
    for (String server : bootstrapServers.split(",")) {
      String hostPort = server.trim();
      int colon = hostPort.lastIndexOf(':');
      if (colon <= 0) {
        continue;
      }
      int port;
      try {
        port = Integer.parseInt(hostPort.substring(colon + 1));
      } catch (NumberFormatException e) {
        continue;
      }
      String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(host, port), (int) Math.max(1, timeout.toMillis()));
        return true;
      } catch (IOException | IllegalArgumentException e) {
        // Refused, unreachable, timed out, unresolvable or out of range: try the next one.
      }
    }
    return false;
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
      // Best effort at shutdown: a stale address is detected by the next command's probe.
    }
  }
}
