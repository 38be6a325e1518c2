package io.tokenwarden.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;

/**
 * The embedded broker's directory, checked and locked for this process: the cluster id that its
 * {@code meta.properties} holds (the broker keeps it with its data, so the data outlives any stop) and the ports
 * of its last start. Every problem a user can fix is a {@link BrokerDirectoryException}, found before Kafka runs.
 */
final class BrokerDirectory implements AutoCloseable {

  /** The log and metadata directory; the name of earlier versions' layout, so that their data starts too. */
  static final String LOG_DIR = "combined_0_0";
  /** Held while a broker runs on the directory; the OS releases it when the process dies, however it dies. */
  static final String LOCK_FILE = "broker.lock";
  /** The ports of the last start, taken again when free, so that clients of the previous run reconnect. */
  static final String PORTS_FILE = "ports.properties";
  static final int NODE_ID = 0;

  private static final String ELSEWHERE = "or use another directory";

  private final Path root;
  private final Path logDir;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Optional<String> clusterId;

  private BrokerDirectory(Path root, Path logDir, FileChannel lockChannel, FileLock lock,
      Optional<String> clusterId) {
    this.root = root;
    this.logDir = logDir;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.clusterId = clusterId;
  }

  /** Checks and locks {@code root}, creating it if needed. */
  static BrokerDirectory open(Path root) {
    root = root.toAbsolutePath().normalize();
    notAFile(root);
    try {
      Files.createDirectories(root);
    } catch (FileAlreadyExistsException e) {
      throw new BrokerDirectoryException(root, "a file is in the way of the directory", "move it away, " + ELSEWHERE);
    } catch (IOException e) {
      throw new BrokerDirectoryException(root, "it cannot be created (" + e.getClass().getSimpleName() + ")",
          "check the permissions of its parent, " + ELSEWHERE);
    }
    Path logDir = root.resolve(LOG_DIR);
    notAFile(logDir);
    writable(root);
    if (Files.isDirectory(logDir)) {
      writable(logDir);
    }
    FileChannel channel;
    try {
      channel = FileChannel.open(root.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (AccessDeniedException e) {
      throw notWritable(root);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + root.resolve(LOCK_FILE), e);
    }
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException e) {
      closeQuietly(channel);
      throw new UncheckedIOException("cannot lock " + root.resolve(LOCK_FILE), e);
    }
    if (lock == null) {
      closeQuietly(channel);
      OptionalInt port = ports(root).broker();
      throw new BrokerDirectoryException(root, "another broker is running on it"
          + (port.isPresent() ? " (at localhost:" + port.getAsInt() + ")" : ""), "stop that one first, " + ELSEWHERE);
    }
    try {
      return new BrokerDirectory(root, logDir, channel, lock, clusterId(logDir));
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  Path root() {
    return root;
  }

  Path logDir() {
    return logDir;
  }

  /** The cluster id of the data already here; empty when the directory is new and must be formatted. */
  Optional<String> clusterId() {
    return clusterId;
  }

  /** The broker and controller ports of a start, each if known. */
  record Ports(OptionalInt broker, OptionalInt controller) {}

  /** The ports of the last start. */
  Ports lastPorts() {
    return ports(root);
  }

  void recordPorts(int brokerPort, int controllerPort) {
    Properties ports = new Properties();
    ports.setProperty("broker.port", Integer.toString(brokerPort));
    ports.setProperty("controller.port", Integer.toString(controllerPort));
    try (OutputStream out = Files.newOutputStream(root.resolve(PORTS_FILE))) {
      ports.store(out, "ports of the last start; the next start takes them again if they are free");
    } catch (IOException e) {
      // Only convenience is lost: the next start picks new ports.
    }
  }

  /** {@code preferred} if it is free on localhost (and not {@code taken}), otherwise any free port. */
  static int freePort(OptionalInt preferred, int taken) {
    if (preferred.isPresent() && preferred.getAsInt() != taken && canBind(preferred.getAsInt())) {
      return preferred.getAsInt();
    }
    while (true) {
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress("localhost", 0));
        if (socket.getLocalPort() != taken) {
          return socket.getLocalPort();
        }
      } catch (IOException e) {
        throw new UncheckedIOException("no free port on localhost", e);
      }
    }
  }

  private static boolean canBind(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      // As Kafka's acceptor does: a port left in TIME_WAIT by a killed broker is free to listen on.
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress("localhost", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException ignored) {
      // Closing the channel releases it too.
    }
    closeQuietly(lockChannel);
  }

  private static Optional<String> clusterId(Path logDir) {
    Path meta = logDir.resolve("meta.properties");
    if (!Files.exists(meta)) {
      if (Files.isDirectory(logDir.resolve("__cluster_metadata-0"))) {
        throw new BrokerDirectoryException(logDir, "it holds a metadata log but no meta.properties",
            "delete " + logDir.getParent() + " to start an empty broker (its topics and records are lost), "
                + ELSEWHERE);
      }
      return Optional.empty();
    }
    Properties props = new Properties();
    try (InputStream in = Files.newInputStream(meta)) {
      props.load(in);
    } catch (IOException | IllegalArgumentException e) {
      throw corrupt(logDir, "its meta.properties cannot be read");
    }
    String id = props.getProperty("cluster.id", "").trim();
    if (id.isEmpty()) {
      throw corrupt(logDir, "its meta.properties has no cluster.id");
    }
    String node = props.getProperty("node.id", "").trim();
    if (!node.equals(Integer.toString(NODE_ID))) {
      throw corrupt(logDir, "its meta.properties is for node.id '" + node + "', not " + NODE_ID);
    }
    return Optional.of(id);
  }

  private static BrokerDirectoryException corrupt(Path logDir, String problem) {
    return new BrokerDirectoryException(logDir, problem, "delete " + logDir.getParent()
        + " to start an empty broker (its topics and records are lost), " + ELSEWHERE);
  }

  private static void notAFile(Path path) {
    if (Files.exists(path) && !Files.isDirectory(path)) {
      throw new BrokerDirectoryException(path, "it is a file, not a directory", "move the file away, " + ELSEWHERE);
    }
  }

  private static void writable(Path dir) {
    if (!Files.isWritable(dir)) {
      throw notWritable(dir);
    }
  }

  private static BrokerDirectoryException notWritable(Path dir) {
    return new BrokerDirectoryException(dir, "it is not writable",
        "make it writable (chmod -R u+w " + dir + "), " + ELSEWHERE);
  }

  private static Ports ports(Path root) {
    Properties ports = new Properties();
    try (InputStream in = Files.newInputStream(root.resolve(PORTS_FILE))) {
      ports.load(in);
    } catch (IOException | IllegalArgumentException e) {
      return new Ports(OptionalInt.empty(), OptionalInt.empty());
    }
    return new Ports(port(ports, "broker.port"), port(ports, "controller.port"));
  }

  private static OptionalInt port(Properties props, String key) {
    try {
      int port = Integer.parseInt(props.getProperty(key, "").trim());
      return port > 0 && port < 65536 ? OptionalInt.of(port) : OptionalInt.empty();
    } catch (NumberFormatException e) {
      return OptionalInt.empty();
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Nothing more to release.
    }
  }
}
