package io.tokenwarden.cli;

import io.tokenwarden.contracts.Topics;
import io.tokenwarden.embedded.SharedKafka;
import io.tokenwarden.producer.IssuedToken;
import io.tokenwarden.producer.TokenEventPublisher;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.provider.Providers;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.sealing.Keysets;
import io.tokenwarden.runtime.topics.TopicAdmin;
import io.tokenwarden.schema.ConnectionStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;

/**
 * The whole system ({@code run}: stream and worker) on the shared broker with its own topics, a sandbox provider
 * and a schema registry stand-in, in a wire format chosen per start: what the wire-format tests share.
 */
final class WireFormatSystem implements AutoCloseable {

  final String prefix;
  final RegistryStandIn registry;
  final SandboxProvider sandbox;
  final String bootstrap = SharedKafka.bootstrapServers();
  final Path dataDir;
  private final String keyset = Keysets.toJson(Keysets.generate());
  private RunCommand.Services services;
  private TokenwardenConfig reader;

  WireFormatSystem(String name) throws Exception {
    prefix = name + "-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    registry = RegistryStandIn.start();
    sandbox = SandboxProvider.start();
    dataDir = Files.createTempDirectory(name);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      new TopicAdmin(admin, (short) 1).ensure(config("single-object").topics());
    }
  }

  /** The environment of a process writing {@code wireFormat}; every process can read both formats. */
  Env env(String wireFormat) {
    Map<String, String> vars = new HashMap<>(sandbox.env());
    vars.putAll(Map.of(
        "KAFKA_BOOTSTRAP_SERVERS", bootstrap,
        "TOKENWARDEN_TOPIC_PREFIX", prefix,
        "TOKENWARDEN_PARTITIONS", "2",
        "TOKENWARDEN_DATA_DIR", dataDir.toString(),
        "TOKENWARDEN_KEYSET", keyset,
        "TOKENWARDEN_HTTP_PORT", "0",
        "TOKENWARDEN_EXPIRY_APPLICATION_ID", prefix + "expiry",
        "TOKENWARDEN_EXPIRY_STATE_DIR", dataDir.resolve("streams").toString(),
        "TOKENWARDEN_WORKER_GROUP_ID", prefix + "worker",
        "TOKENWARDEN_WORKER_TRANSACTIONAL_ID", prefix + "worker"));
    vars.putAll(Map.of(
        "TOKENWARDEN_PUNCTUATE_INTERVAL", "PT0.5S",
        "KAFKA_COMMIT_INTERVAL_MS", "200",
        "TOKENWARDEN_WIRE_FORMAT", wireFormat,
        "TOKENWARDEN_SCHEMA_REGISTRY_URL", registry.url(),
        // Short retries, so that an outage shows within a second or two.
        "TOKENWARDEN_SCHEMA_REGISTRY_MAX_RETRIES", "1",
        "TOKENWARDEN_SCHEMA_REGISTRY_RETRIES_WAIT_MS", "50",
        "TOKENWARDEN_SCHEMA_REGISTRY_RETRIES_MAX_WAIT_MS", "100",
        // A replaced stream thread's tasks move on when the dead thread's group session expires: keep it short.
        "KAFKA_SESSION_TIMEOUT_MS", "6000",
        "KAFKA_HEARTBEAT_INTERVAL_MS", "1000"));
    return Env.of(vars);
  }

  TokenwardenConfig config(String wireFormat) {
    return TokenwardenConfig.from(env(wireFormat));
  }

  Topics topics() {
    return config("single-object").topics();
  }

  CredentialSealer sealer() {
    return new CredentialSealer(Keysets.load(env("single-object"), dataDir, false));
  }

  /** {@code ./tokenwarden schemas <command>} against the stand-in. */
  CliRun schemas(String command) {
    Map<String, String> vars = Map.of("TOKENWARDEN_TOPIC_PREFIX", prefix, "TOKENWARDEN_PARTITIONS", "2",
        "TOKENWARDEN_SCHEMA_REGISTRY_URL", registry.url(), "KAFKA_BOOTSTRAP_SERVERS", bootstrap,
        "TOKENWARDEN_DATA_DIR", dataDir.toString());
    return CliRun.run(vars, "schemas", command);
  }

  /** Starts stream and worker writing {@code wireFormat}, as {@code ./tokenwarden run} does. */
  void start(String wireFormat) throws Exception {
    services = RunCommand.Services.start(env(wireFormat), true, true, new PrintWriter(new StringWriter()));
  }

  /** Stops stream and worker, as SIGTERM does. */
  void stop() {
    if (services != null) {
      services.close();
      services = null;
    }
  }

  /** A publisher writing {@code wireFormat}. */
  TokenEventPublisher publisher(String wireFormat) {
    return TokenEventPublisher.create(config(wireFormat), bootstrap, sealer(), new Providers(env(wireFormat)));
  }

  /** Publishes TokenIssued for each connection, in {@code wireFormat}; expiry in 30 days, no refresh token. */
  void issue(String wireFormat, String provider, List<String> connections) throws Exception {
    try (var publisher = publisher(wireFormat)) {
      for (String connection : connections) {
        publisher.issued(new IssuedToken(connection, Optional.of("tenant"), provider, "acct-" + connection,
            "ACCESS-" + connection, Optional.empty(), "Bearer", Optional.of(Instant.now().plus(Duration.ofDays(30))),
            Optional.empty(), List.of())).get(30, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * The latest status of every connection, read with a reader that accepts both formats. It is one reader for the
   * whole test, as a UI would be, so schemas it fetched once stay cached through a registry outage.
   */
  Map<String, ConnectionStatus> statuses() {
    Map<String, ConnectionStatus> statuses = new HashMap<>();
    if (reader == null) {
      reader = config("single-object");
    }
    TopicTail.read(reader, bootstrap, reader.topics().status, false, () -> false, r -> statuses.put(r.key(), r.value()));
    return statuses;
  }

  /** The HTTP status of {@code /health/ready}. */
  int readiness() throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://localhost:" + services.ops.port() + "/health/ready")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  @Override
  public void close() {
    stop();
    sandbox.close();
    registry.close();
  }
}
