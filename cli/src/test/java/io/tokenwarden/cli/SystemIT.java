package io.tokenwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwarden.contracts.Topic;
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
import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.schema.TokenRefreshed;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole system in one process on the real broker, as {@code ./tokenwarden run} runs it: expiry stream,
 * refresh worker, status gateway, HTTP endpoint, and a real OAuth2 server as the provider. One story is played once; each test
 * checks one thing users or operators see.
 */
class SystemIT {

  private static final String PREFIX = "system-it.";
  private static final String RENEW_ACCESS = "SYS-ACCESS-RENEW-1a2b";
  private static final String RENEW_REFRESH = "SYS-REFRESH-RENEW-3c4d";
  private static final String REVOKED_ACCESS = "SYS-ACCESS-REVOKED-5e6f";
  private static final String REVOKED_REFRESH = "SYS-REFRESH-REVOKED-7a8b";
  private static final String FACEBOOK_ACCESS = "SYS-ACCESS-FACEBOOK-9c0d";

  private static SandboxProvider sandbox;
  private static LogCapture logs;
  private static RunCommand.Services services;
  private static Topics topics;
  private static CredentialSealer sealer;
  private static String bootstrap;
  private static Instant publishedAt;
  private static final Map<String, ConnectionStatus> statuses = new HashMap<>();

  @BeforeAll
  static void playTheStory(@TempDir Path dataDir) throws Exception {
    bootstrap = SharedKafka.bootstrapServers();
    sandbox = SandboxProvider.start();
    String keyset = Keysets.toJson(Keysets.generate());
    Map<String, String> vars = new HashMap<>(sandbox.env());
    vars.putAll(Map.of(
        "KAFKA_BOOTSTRAP_SERVERS", bootstrap,
        "TOKENWARDEN_TOPIC_PREFIX", PREFIX,
        "TOKENWARDEN_PARTITIONS", "2",
        "TOKENWARDEN_DATA_DIR", dataDir.toString(),
        "TOKENWARDEN_KEYSET", keyset,
        "TOKENWARDEN_HTTP_PORT", "0",
        "TOKENWARDEN_EXPIRY_APPLICATION_ID", "system-it-expiry",
        "TOKENWARDEN_EXPIRY_STATE_DIR", dataDir.resolve("streams").toString(),
        "TOKENWARDEN_WORKER_GROUP_ID", "system-it-worker",
        "TOKENWARDEN_WORKER_TRANSACTIONAL_ID", "system-it-worker"));
    vars.putAll(Map.of(
        "TOKENWARDEN_PUNCTUATE_INTERVAL", "PT0.5S",
        "KAFKA_COMMIT_INTERVAL_MS", "200",
        "TOKENWARDEN_POLICY_FACEBOOK_WARN_BEFORE", "PT3S",
        "TOKENWARDEN_GATEWAY_JWT_SECRET", "system-it-gateway-secret-0123456789abcdef"));
    Env env = Env.of(vars);
    TokenwardenConfig config = TokenwardenConfig.from(env);
    topics = config.topics();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      new TopicAdmin(admin, (short) 1).ensure(topics);
    }
    sealer = new CredentialSealer(Keysets.load(env, dataDir, false));

    logs = new LogCapture();
    services = RunCommand.Services.start(env, true, true, true, new PrintWriter(new StringWriter()));
    publishedAt = Instant.now();
    try (var publisher = TokenEventPublisher.create(config, bootstrap, sealer, new Providers(env))) {
      publisher.issued(token("sys-renew", SandboxProvider.RENEWS, RENEW_ACCESS, RENEW_REFRESH, 25)).get(30, TimeUnit.SECONDS);
      publisher.issued(token("sys-revoked", SandboxProvider.REVOKED, REVOKED_ACCESS, REVOKED_REFRESH, 25))
          .get(30, TimeUnit.SECONDS);
      publisher.issued(token("sys-facebook", "facebook", FACEBOOK_ACCESS, null, 6)).get(30, TimeUnit.SECONDS);
    }
    try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topics.lifecycle.name(), "sys-garbage".getBytes(), "not avro".getBytes()))
          .get(30, TimeUnit.SECONDS);
    }

    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
      readStatuses();
      return state("sys-renew") == ConnectionState.CONNECTED && statuses.get("sys-renew").getLastRefreshedAt() != null
          && state("sys-revoked") == ConnectionState.NEEDS_RECONNECT
          && state("sys-facebook") == ConnectionState.EXPIRED
          && !TopicRecords.all(bootstrap, topics.lifecycleDlq.name()).isEmpty();
    });
  }

  @AfterAll
  static void stop() {
    if (services != null) {
      services.close();
    }
    if (logs != null) {
      logs.close();
    }
    if (sandbox != null) {
      sandbox.close();
    }
  }

  private static IssuedToken token(String connection, String provider, String access, String refresh, long expiresIn) {
    return new IssuedToken(connection, Optional.of("system-it"), provider, "acct-" + connection, access,
        Optional.ofNullable(refresh), "Bearer", Optional.of(Instant.now().plusSeconds(expiresIn)), Optional.empty(),
        List.of());
  }

  private static void readStatuses() {
    TopicTail.read(TokenwardenConfig.from(Env.of(Map.of("TOKENWARDEN_TOPIC_PREFIX", PREFIX))), bootstrap,
        topics.status, false, () -> false, r -> statuses.put(r.key(), r.value()));
  }

  private static ConnectionState state(String connection) {
    ConnectionStatus status = statuses.get(connection);
    return status == null ? null : status.getState();
  }

  @Test
  void aProactiveRefreshAtTheProviderKeepsTheConnectionGreenWithTheNewExpiry() {
    ConnectionStatus renewed = statuses.get("sys-renew");
    assertThat(renewed.getAttention()).isFalse();
    assertThat(renewed.getExpiresAt()).isAfter(publishedAt.plus(Duration.ofMinutes(30)));
    TokenRefreshed refreshed = refreshedOf("sys-renew");
    assertThat(refreshed.getExpiresAt()).isEqualTo(renewed.getExpiresAt());
    var credentials = sealer.open("sys-renew", refreshed.getCredentials());
    assertThat(credentials.accessToken()).isNotEqualTo(RENEW_ACCESS);
    assertThat(credentials.refreshToken()).isPresent();
  }

  @Test
  void aProviderThatRefusesTheRefreshTokenPutsTheOrangeMarkOnTheConnection() {
    ConnectionStatus revoked = statuses.get("sys-revoked");
    assertThat(revoked.getAttention()).isTrue();
    assertThat(revoked.getReason()).isEqualTo("invalid_grant");
  }

  @Test
  void aNonRefreshableTokenExpiresWithTheOrangeMark() {
    assertThat(statuses.get("sys-facebook").getAttention()).isTrue();
  }

  @Test
  void healthIsReadyAndEveryMetricTheRulesAndDashboardUseIsExported() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://localhost:" + services.ops.port();
    assertThat(get(http, base + "/health/ready").statusCode()).isEqualTo(200);
    assertThat(get(http, base + "/health/live").statusCode()).isEqualTo(200);
    String metrics = get(http, base + "/metrics").body();
    List<String> exported = metrics.lines().filter(l -> !l.startsWith("#") && !l.isBlank())
        .map(l -> l.split("[{ ]", 2)[0]).distinct().toList();
    List<String> used = Files.readAllLines(Path.of("..", "deploy", "metric-names.txt")).stream()
        .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    assertThat(used).isNotEmpty();
    assertThat(exported).as("metric names exported by a running instance").containsAll(used);
    assertThat(metrics).contains("tokenwarden_dead_letters_total{application=\"tokenwarden\",reason=\"undecodable\"}");
  }

  @Test
  void noTokenIsReadableOnAnyTopicOrInAnyLogLine() {
    List<String> secrets = new ArrayList<>(List.of(RENEW_ACCESS, RENEW_REFRESH, REVOKED_ACCESS, REVOKED_REFRESH,
        FACEBOOK_ACCESS, SandboxProvider.CLIENT_SECRET));
    // The tokens the provider issued on refresh must not leak either.
    var renewed = sealer.open("sys-renew", refreshedOf("sys-renew").getCredentials());
    secrets.add(renewed.accessToken());
    renewed.refreshToken().ifPresent(secrets::add);

    int scanned = 0;
    for (Topic<?, ?> topic : topics.all()) {
      for (var record : TopicRecords.all(bootstrap, topic.name())) {
        scanned++;
        assertNoSecret(secrets, topic.name() + " key", record.key());
        assertNoSecret(secrets, topic.name() + " value", record.value());
        for (Header header : record.headers()) {
          assertNoSecret(secrets, topic.name() + " header " + header.key(), header.value());
        }
      }
    }
    assertThat(scanned).as("records scanned").isGreaterThan(10);
    List<String> lines = logs.lines();
    assertThat(lines).as("captured log lines").hasSizeGreaterThan(100);
    for (String line : lines) {
      for (String secret : secrets) {
        assertThat(line).as("log line").doesNotContain(secret);
      }
    }
  }

  private static TokenRefreshed refreshedOf(String connection) {
    var serde = topics.lifecycle.valueSerde().deserializer();
    return TopicRecords.all(bootstrap, topics.lifecycle.name()).stream()
        .filter(r -> r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals(connection))
        .map(r -> (TokenLifecycleEvent) serde.deserialize(topics.lifecycle.name(), r.value()))
        .filter(e -> e.getPayload() instanceof TokenRefreshed)
        .map(e -> (TokenRefreshed) e.getPayload())
        .reduce((a, b) -> b)
        .orElseThrow(() -> new AssertionError("no TokenRefreshed for " + connection));
  }

  private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertNoSecret(List<String> secrets, String where, byte[] bytes) {
    if (bytes == null) {
      return;
    }
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    secrets.forEach(secret -> assertThat(text).as(where).doesNotContain(secret));
  }
}
