package io.tokenwarden.cli;

import io.tokenwarden.gateway.auth.TokenMinter;
import io.tokenwarden.producer.IssuedToken;
import io.tokenwarden.producer.TokenEventPublisher;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.provider.Providers;
import io.tokenwarden.schema.TokenIssued;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tokenwarden demo}: the whole system on the embedded broker, with sample connections. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run Tokenwarden on an embedded broker with sample connections, and show what happens.")
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Option(names = "--duration", description = "Stop after this ISO-8601 duration (default: run until Ctrl-C).")
  Duration duration;

  /** The tenant of the sample connections. */
  static final String DEMO_TENANT = "demo-workspace";

  private final AtomicBoolean stopped = new AtomicBoolean();

  /**
   * Short warning windows so that samples pass CONNECTED, EXPIRING and EXPIRED within a minute. Anything the
   * user sets wins.
   */
  static Map<String, String> demoDefaults(Path dataDir) {
    return Map.of(
        "TOKENWARDEN_POLICY_FACEBOOK_WARN_BEFORE", "PT20S",
        "TOKENWARDEN_POLICY_LINKEDIN_WARN_BEFORE", "PT20S",
        "TOKENWARDEN_HTTP_PORT", "0",
        "TOKENWARDEN_EXPIRY_APPLICATION_ID", "tokenwarden-demo",
        "TOKENWARDEN_EXPIRY_STATE_DIR", dataDir.resolve("demo-streams").toString(),
        "KAFKA_COMMIT_INTERVAL_MS", "200",
        // A demo killed with SIGKILL leaves its group members behind; a restarted one waits for them to time out
        // (45 s by default) before it gets its partitions. 6 s is the broker's least.
        "KAFKA_SESSION_TIMEOUT_MS", "6000",
        "KAFKA_HEARTBEAT_INTERVAL_MS", "2000");
  }

  @Override
  public Integer call() throws Exception {
    Env userEnv = CliContext.env(spec);
    Path dataDir = TokenwardenConfig.from(userEnv).dataDir();
    PrintWriter out = spec.commandLine().getOut();
    // Ctrl-C: tell the demo loop to stop, and hold the JVM until everything it started is closed.
    CountDownLatch cleanedUp = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      stopped.set(true);
      try {
        cleanedUp.await(45, TimeUnit.SECONDS);
      } catch (InterruptedException ignored) {
        Thread.currentThread().interrupt();
      }
    }, "demo-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.println("starting the sandbox OAuth2 provider, the embedded Kafka broker, the expiry stream, the worker"
        + " and the status gateway...");
    out.flush();
    try (SandboxProvider sandbox = SandboxProvider.start()) {
      Map<String, String> defaults = new HashMap<>(demoDefaults(dataDir));
      defaults.putAll(sandbox.env());
      return run(userEnv.withDefaults(defaults), out);
    } finally {
      out.println("demo stopped; nothing left running");
      out.flush();
      cleanedUp.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook was waiting for the clean-up above, which is done.
      }
    }
  }

  private int run(Env env, PrintWriter out) throws Exception {
    TokenwardenConfig config = TokenwardenConfig.from(env);
    Instant deadline = duration == null ? Instant.MAX : Instant.now().plus(duration);
    deleteRecursively(Path.of(env.require("TOKENWARDEN_EXPIRY_STATE_DIR")));

    try (RunCommand.Services services = RunCommand.Services.start(env, true, true, true, out)) {
      String page = pageUrl(services);
      out.println("status page of the demo tenant " + DEMO_TENANT + " (the token is in the #fragment, which the"
          + " browser keeps to itself): " + page);
      try (var publisher = TokenEventPublisher.create(config, services.broker.bootstrapServers(), services.sealer,
          new Providers(env))) {
        for (IssuedToken sample : samples(Instant.now())) {
          publisher.issued(sample).get(30, TimeUnit.SECONDS);
          out.println("published " + sample);
        }
      }
      out.println();
      out.println("read back from " + config.topics().lifecycle.name() + " (credentials stay sealed):");
      TopicTail.read(config, services.broker.bootstrapServers(), config.topics().lifecycle, false, stopped::get,
          r -> out.println("  " + describe(r.value())));
      out.println();
      out.println("following " + config.topics().status.name()
          + " (also: ./tokenwarden status --follow, in another terminal)");
      out.flush();

      String footer = "status page: " + page + "\nmetrics: http://localhost:" + services.ops.port() + "/metrics";
      StatusBoard board = new StatusBoard(out, System.console() != null, footer);
      Thread follower = new Thread(() -> TopicTail.read(config, services.broker.bootstrapServers(),
          config.topics().status, true, stopped::get, r -> board.update(r.key(), r.value())), "demo-status");
      follower.setDaemon(true);
      follower.start();
      while (!stopped.get() && Instant.now().isBefore(deadline) && services.stream.exitCode() == 0) {
        board.render();
        Thread.sleep(1000);
      }
      stopped.set(true);
      follower.join(5000);
    }
    return 0;
  }

  /** The page's address with a token of the demo tenant in its fragment, valid for 12 hours. */
  static String pageUrl(RunCommand.Services services) {
    String token = new TokenMinter(services.gateway.config()).mint(DEMO_TENANT, "demo-user", Duration.ofHours(12));
    return "http://localhost:" + services.ops.port() + "/#token=" + token;
  }

  private static String describe(io.tokenwarden.schema.TokenLifecycleEvent e) {
    if (e.getPayload() instanceof TokenIssued issued) {
      return String.format("%-16s %-10s %-14s TokenIssued expiresAt=%s credentials=sealed(key %s, %d bytes)",
          e.getConnectionId(), e.getProvider(), e.getAccountId(), issued.getExpiresAt(),
          issued.getCredentials().getKeyId(), issued.getCredentials().getCiphertext().remaining());
    }
    return String.format("%-16s %s", e.getConnectionId(),
        e.getPayload() == null ? "(no payload)" : e.getPayload().getClass().getSimpleName());
  }

  /** Sample connections with short lifetimes, so that the demo shows the whole story within a minute. */
  static List<IssuedToken> samples(Instant now) {
    return List.of(
        // Refreshed proactively at the sandbox 20 s before expiry; stays green.
        sample("demo-sandbox-1", SandboxProvider.RENEWS, "user-5005", "demo-sandbox-refresh", now.plusSeconds(30)),
        // The provider says invalid_grant: a human must reconnect.
        sample("demo-revoked-1", SandboxProvider.REVOKED, "user-6006", "demo-revoked-refresh", now.plusSeconds(35)),
        sample("demo-facebook-1", "facebook", "page-1001", null, now.plusSeconds(40)),
        sample("demo-linkedin-1", "linkedin", "member-2002", null, now.plusSeconds(50)),
        sample("demo-x-1", "x", "user-3003", "demo-x-refresh", now.plusSeconds(7200)),
        sample("demo-youtube-1", "youtube", "channel-4004", "demo-yt-refresh", null));
  }

  private static IssuedToken sample(String connection, String provider, String account, String refreshToken,
      Instant expiresAt) {
    return new IssuedToken(connection, Optional.of(DEMO_TENANT), provider, account,
        "demo-access-" + connection, Optional.ofNullable(refreshToken), "Bearer", Optional.ofNullable(expiresAt),
        Optional.empty(), List.of());
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
