package io.tokenwarden.cli;

import io.tokenwarden.producer.IssuedToken;
import io.tokenwarden.producer.TokenEventPublisher;
import io.tokenwarden.runtime.cli.CliEnvironment;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.provider.Providers;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.sealing.Keysets;
import io.tokenwarden.schema.TokenIssued;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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

  @Override
  public Integer call() throws Exception {
    Env env = ((CliEnvironment) spec.root().userObject()).env();
    TokenwardenConfig config = TokenwardenConfig.from(env);
    PrintWriter out = spec.commandLine().getOut();
    AtomicBoolean stopped = new AtomicBoolean();
    Instant deadline = duration == null ? Instant.MAX : Instant.now().plus(duration);

    out.println("starting the embedded Kafka broker...");
    out.flush();
    try (Broker broker = Broker.useOrStart(config)) {
      Thread main = Thread.currentThread();
      Thread hook = new Thread(() -> {
        stopped.set(true);
        try {
          main.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException ignored) {
          Thread.currentThread().interrupt();
        }
      }, "demo-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      out.println("kafka: bootstrap.servers=" + broker.bootstrapServers()
          + (broker.embedded() ? " (embedded)" : ""));
      var report = broker.ensureTopics();
      out.println("topics: created " + report.created() + ", verified " + report.verified());

      var sealer = new CredentialSealer(Keysets.load(env, config.dataDir(), config.local()));
      List<IssuedToken> samples = samples(Instant.now());
      try (var publisher = TokenEventPublisher.create(config, broker.bootstrapServers(), sealer, new Providers(env))) {
        for (IssuedToken sample : samples) {
          publisher.issued(sample).get(30, TimeUnit.SECONDS);
          out.println("published " + sample);
        }
      }
      out.println();
      out.println("read back from " + config.topics().lifecycle.name() + " (credentials stay sealed):");
      TopicTail.read(config, broker.bootstrapServers(), config.topics().lifecycle, false, stopped::get, r -> {
        var e = r.value();
        if (e.getPayload() instanceof TokenIssued issued) {
          out.printf("  %-16s %-10s %-14s TokenIssued expiresAt=%s credentials=sealed(key %s, %d bytes)%n",
              e.getConnectionId(), e.getProvider(), e.getAccountId(), issued.getExpiresAt(),
              issued.getCredentials().getKeyId(), issued.getCredentials().getCiphertext().remaining());
        } else {
          out.printf("  %-16s %s%n", e.getConnectionId(),
              e.getPayload() == null ? "(no payload)" : e.getPayload().getClass().getSimpleName());
        }
      });
      out.flush();
      while (!stopped.get() && Instant.now().isBefore(deadline)) {
        Thread.sleep(200);
      }
      out.println("demo stopped");
      out.flush();
      if (!stopped.get()) {
        Runtime.getRuntime().removeShutdownHook(hook);
      }
    }
    return 0;
  }

  /** Sample connections with short lifetimes, so that the demo shows expiry within a minute. */
  static List<IssuedToken> samples(Instant now) {
    return List.of(
        sample("demo-facebook-1", "facebook", "page-1001", null, now.plusSeconds(40)),
        sample("demo-linkedin-1", "linkedin", "member-2002", null, now.plusSeconds(50)),
        sample("demo-x-1", "x", "user-3003", "demo-x-refresh", now.plusSeconds(7200)),
        sample("demo-youtube-1", "youtube", "channel-4004", "demo-yt-refresh", null));
  }

  private static IssuedToken sample(String connection, String provider, String account, String refreshToken,
      Instant expiresAt) {
    return new IssuedToken(connection, Optional.of("demo-workspace"), provider, account,
        "demo-access-" + connection, Optional.ofNullable(refreshToken), "Bearer", Optional.ofNullable(expiresAt),
        Optional.empty(), List.of());
  }
}
