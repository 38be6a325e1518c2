package io.tokenwarden.faults;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One real {@code tokenwarden} process ({@code java -jar cli/target/tokenwarden.jar ...}), configured only by its
 * environment, with its output in a file under {@code target/fault-logs} for diagnosis. It can be killed with
 * SIGKILL, stopped with SIGTERM and started again with the same environment.
 */
final class Child implements AutoCloseable {

  private static final Pattern HTTP_PORT = Pattern.compile("metrics: http://localhost:(\\d+)/metrics");
  private static final Pattern BOOTSTRAP = Pattern.compile("bootstrap\\.servers=(\\S+)");
  private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final Map<String, String> env;
  private final List<String> args;
  private int starts;
  private Process process;
  private Path log;

  private Child(String name, Map<String, String> env, List<String> args) {
    this.name = name;
    this.env = Map.copyOf(env);
    this.args = List.copyOf(args);
  }

  /** Starts {@code tokenwarden args...} with exactly the Tokenwarden and Kafka variables in {@code env}. */
  static Child start(String name, Map<String, String> env, String... args) {
    Child child = new Child(name, env, List.of(args));
    child.launch();
    return child;
  }

  private void launch() {
    starts++;
    Path jar = Path.of(System.getProperty("faults.jar", "../cli/target/tokenwarden.jar")).toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: run the suite through Maven with -am, which packages cli");
    }
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-jar", jar.toString()));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> childEnv = builder.environment();
    // Only what the test sets: a developer's own KAFKA_* or TOKENWARDEN_* must not leak into the child.
    childEnv.keySet().removeIf(k -> k.startsWith("KAFKA_") || k.startsWith("TOKENWARDEN_"));
    childEnv.putAll(env);
    try {
      Path dir = Files.createDirectories(Path.of(System.getProperty("faults.logs", "target/fault-logs")));
      log = dir.resolve(name + "-" + starts + ".log");
      builder.redirectErrorStream(true).redirectOutput(log.toFile());
      process = builder.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + command, e);
    }
  }

  /** Starts the same command again, with the same environment; the previous process must be gone. */
  Child restart() {
    if (process.isAlive()) {
      throw new IllegalStateException(name + " is still running");
    }
    launch();
    return this;
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Everything the current process printed so far. */
  String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  Path log() {
    return log;
  }

  /** The port of {@code /metrics} and {@code /health/*}, once the process printed it. */
  int httpPort() {
    return Integer.parseInt(awaitLine(HTTP_PORT, Duration.ofMinutes(2)));
  }

  /** The address {@code tokenwarden kafka} printed. */
  String bootstrapServers() {
    return awaitLine(BOOTSTRAP, Duration.ofMinutes(2));
  }

  private String awaitLine(Pattern pattern, Duration timeout) {
    String[] found = new String[1];
    await(name + " prints " + pattern).atMost(timeout).pollInterval(Duration.ofMillis(100)).until(() -> {
      if (!process.isAlive()) {
        throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + tail());
      }
      Matcher m = pattern.matcher(output());
      if (m.find()) {
        found[0] = m.group(1);
        return true;
      }
      return false;
    });
    return found[0];
  }

  /** Waits until {@code /health/ready} answers 200. */
  Child awaitReady(Duration timeout) {
    int port = httpPort();
    await(name + " ready").atMost(timeout).pollInterval(Duration.ofMillis(200)).until(() -> {
      if (!process.isAlive()) {
        throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + tail());
      }
      return get(port, "/health/ready") == 200;
    });
    return this;
  }

  /** Whether {@code /health/live} answers 200 now. */
  boolean live() {
    return process.isAlive() && get(httpPort(), "/health/live") == 200;
  }

  /** The text of {@code /metrics}. */
  String metrics() {
    try {
      return http.send(request(httpPort(), "/metrics"), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new IllegalStateException(name + ": /metrics: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The sum of every series of {@code metric} (a Prometheus name, without labels) in {@code /metrics}. */
  double metric(String metric) {
    double sum = 0;
    boolean seen = false;
    for (String line : metrics().split("\n")) {
      if (line.startsWith(metric + " ") || line.startsWith(metric + "{")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        seen = true;
      }
    }
    if (!seen) {
      throw new AssertionError(name + " exports no " + metric);
    }
    return sum;
  }

  private static HttpRequest request(int port, String path) {
    return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(Duration.ofSeconds(5)).build();
  }

  private static int get(int port, String path) {
    try {
      return http.send(request(port, path), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** SIGKILL (what {@link Process#destroyForcibly()} sends on Linux); returns once the process is gone. */
  void kill() {
    process.destroyForcibly();
    waitGone();
  }

  /** SIGTERM, a clean stop; returns once the process is gone. */
  void stop() {
    process.destroy();
    waitGone();
  }

  private void waitGone() {
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private String tail() {
    String out = output();
    return out.length() <= 4000 ? out : "..." + out.substring(out.length() - 4000);
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      kill();
    }
  }

  /** A mutable copy of a base environment, for building a child's variables. */
  static Map<String, String> env(Map<String, String> base) {
    return new HashMap<>(base);
  }
}
