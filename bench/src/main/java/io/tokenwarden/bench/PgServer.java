package io.tokenwarden.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL cluster on loopback, from Debian's package: installed with {@code apt-get} if missing
 * and this process is root, initialised into a temporary directory and started on a free port.
 * {@link #start()} returns either a server or the reason there is none.
 */
final class PgServer implements AutoCloseable {

  private final Path bin;
  private final Path dataDir;
  private final int port;
  private final boolean asPostgresUser;

  private PgServer(Path bin, Path dataDir, int port, boolean asPostgresUser) {
    this.bin = bin;
    this.dataDir = dataDir;
    this.port = port;
    this.asPostgresUser = asPostgresUser;
  }

  /** A running server, or why none could be started. */
  record Started(PgServer server, String skipReason) {}

  static Started start() {
    try {
      boolean root = "root".equals(System.getProperty("user.name"));
      Optional<Path> bin = findBin();
      if (bin.isEmpty()) {
        if (!root) {
          return new Started(null, "PostgreSQL is not installed and this process is not root to apt-get it");
        }
        String out = run(List.of("bash", "-c", "DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql"
            + " || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql)"), 900);
        bin = findBin();
        if (bin.isEmpty()) {
          return new Started(null, "apt-get install -y postgresql did not install initdb: " + tail(out));
        }
      }
      Path dir = Files.createTempDirectory("tokenwarden-bench-pg");
      boolean asPostgres = root;
      if (asPostgres) {
        run(List.of("chown", "postgres:postgres", dir.toString()), 30);
      }
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      PgServer server = new PgServer(bin.get(), dir, port, asPostgres);
      server.pg(List.of(bin.get().resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-A", "trust",
          "-U", "postgres", "-E", "UTF8", "--no-instructions"), 120);
      server.pg(List.of(bin.get().resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l",
          dir.resolve("server.log").toString(), "-w", "-t", "60", "-o",
          "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c synchronous_commit=on -c fsync=on",
          "start"), 90);
      return new Started(server, null);
    } catch (Exception e) {
      return new Started(null, "cannot start PostgreSQL: " + e.getMessage());
    }
  }

  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
  }

  /** Major version of the installed server, from its bin directory. */
  String version() {
    return bin.getParent().getFileName().toString();
  }

  private static Optional<Path> findBin() throws IOException {
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> versions = Files.list(root)) {
      return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
          .max(Comparator.comparing(b -> versionNumber(b.getParent().getFileName().toString())));
    }
  }

  private static int versionNumber(String name) {
    try {
      return Integer.parseInt(name);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private String pg(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
    List<String> c = new ArrayList<>();
    if (asPostgresUser) {
      c.addAll(Arrays.asList("runuser", "-u", "postgres", "--"));
    }
    c.addAll(command);
    return run(c, timeoutSeconds);
  }

  private static String run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(command.get(0) + " timed out");
    }
    String text = new String(out);
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + tail(text));
    }
    return text;
  }

  private static String tail(String s) {
    String t = s.strip();
    return t.length() > 400 ? "..." + t.substring(t.length() - 400) : t;
  }

  @Override
  public void close() {
    try {
      pg(List.of(bin.resolve("pg_ctl").toString(), "-D", dataDir.resolve("data").toString(), "-m", "fast", "-w",
          "stop"), 60);
    } catch (Exception e) {
      System.err.println("bench: PostgreSQL did not stop cleanly: " + e.getMessage());
    }
    Dirs.delete(dataDir);
  }
}
