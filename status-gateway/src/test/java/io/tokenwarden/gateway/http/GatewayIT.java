package io.tokenwarden.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.embedded.SharedKafka;
import io.tokenwarden.gateway.GatewayConfig;
import io.tokenwarden.gateway.StatusGateway;
import io.tokenwarden.gateway.auth.TokenMinter;
import io.tokenwarden.producer.TokenEventPublisher;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.ops.Health;
import io.tokenwarden.runtime.ops.OpsMetrics;
import io.tokenwarden.runtime.ops.OpsServer;
import io.tokenwarden.runtime.provider.Providers;
import io.tokenwarden.runtime.topics.TopicAdmin;
import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.RefreshRequested;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The gateway on the real broker, over a {@code connections.status} topic that the test writes as the stream
 * would: readiness, the API, tenant isolation, the event stream with resume, tickets, limits, CORS, the
 * OpenAPI document, meters, and logs free of tokens.
 */
class GatewayIT {

  private static final String SECRET = "gateway-it-secret-0123456789abcdef-xyz";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private static final List<String> LOG = new CopyOnWriteArrayList<>();
  private static final List<String> SECRETS_SEEN = new CopyOnWriteArrayList<>();

  private static String bootstrap;
  private static Topics topics;
  private static Env env;
  private static KafkaProducer<String, ConnectionStatus> producer;
  private static TokenEventPublisher requests;
  private static OpsServer server;
  private static StatusGateway gateway;
  private static String base;
  private static String tokenA;
  private static String tokenB;
  private static AppenderBase<ILoggingEvent> capture;
  private static final int PRELOADED = 3_000;

  @BeforeAll
  static void start(@TempDir Path dataDir) throws Exception {
    captureLogs();
    bootstrap = SharedKafka.bootstrapServers();
    String prefix = "gw-it-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    env = Env.of(Map.of(
        "KAFKA_BOOTSTRAP_SERVERS", bootstrap,
        "TOKENWARDEN_TOPIC_PREFIX", prefix,
        "TOKENWARDEN_PARTITIONS", "2",
        "TOKENWARDEN_GATEWAY_JWT_SECRET", SECRET,
        "TOKENWARDEN_GATEWAY_JWT_ISSUER", "https://idp.example",
        "TOKENWARDEN_GATEWAY_JWT_AUDIENCE", "tokenwarden",
        "TOKENWARDEN_GATEWAY_ALLOWED_ORIGINS", "https://app.example.com",
        "TOKENWARDEN_GATEWAY_SSE_HEARTBEAT", "PT1S",
        "TOKENWARDEN_GATEWAY_REPLAY_EVENTS", "8"));
    TokenwardenConfig config = TokenwardenConfig.from(env);
    topics = config.topics();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      new TopicAdmin(admin, (short) 1).ensure(topics);
    }
    producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all"),
        topics.status.keySerde().serializer(), topics.status.valueSerde().serializer());
    // Many statuses before the gateway starts: ready must mean all of them are served.
    for (int i = 0; i < PRELOADED; i++) {
      send(status("bulk-" + i, "tenant-bulk", "x", ConnectionState.CONNECTED, false, null));
    }
    send(status("a-1", "tenant-a", "sandbox", ConnectionState.CONNECTED, false, null));
    send(status("a-2", "tenant-a", "facebook", ConnectionState.EXPIRED, true, "access_token_expired"));
    send(status("a-3", "tenant-a", "youtube", ConnectionState.CONNECTED, false, null));
    send(status("b-1", "tenant-b", "x", ConnectionState.NEEDS_RECONNECT, true, "invalid_grant"));
    send(status("bulk-last", "tenant-bulk", "x", ConnectionState.CONNECTED, false, null));
    producer.flush();

    GatewayConfig gc = GatewayConfig.from(env, dataDir, false);
    requests = TokenEventPublisher.forRequests(config, bootstrap, new Providers(env), "gateway-it");
    var registry = OpsMetrics.newRegistry("gateway-it");
    Map<String, Object> kafka = new HashMap<>(Map.of("bootstrap.servers", bootstrap));
    gateway = StatusGateway.create(gc, env.with(Map.of("TOKENWARDEN_PROVIDER_SANDBOX_TYPE", "oauth2")), topics,
        kafka, requests::refreshRequested, registry);
    server = OpsServer.start(0, registry, gateway.live(), gateway.ready(), List.of(gateway.routes()));
    base = "http://localhost:" + server.port();
    gateway.start();
    TokenMinter minter = new TokenMinter(gc);
    tokenA = minter.mint("tenant-a", "alice", Duration.ofHours(1));
    tokenB = minter.mint("tenant-b", "bob", Duration.ofHours(1));
    SECRETS_SEEN.addAll(List.of(SECRET, tokenA, tokenB));

    await().atMost(Duration.ofSeconds(60)).until(() -> get("/health/ready", null).statusCode() == 200);
    // Ready means caught up: the last record written before the start is served.
    assertThat(gateway.index().get("bulk-last")).isPresent();
    assertThat(gateway.index().size()).isEqualTo(PRELOADED + 5);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (gateway != null) {
      gateway.close();
    }
    if (requests != null) {
      requests.close();
    }
    if (producer != null) {
      producer.close();
    }
    if (capture != null) {
      ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(capture);
    }
  }

  // ------------------------------------------------------------------ helpers

  private static void captureLogs() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    capture = new AppenderBase<>() {
      @Override
      protected void append(ILoggingEvent e) {
        LOG.add(e.getLoggerName() + " " + e.getFormattedMessage()
            + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getMessage()));
      }
    };
    capture.setContext(root.getLoggerContext());
    capture.start();
    root.addAppender(capture);
    for (String name : List.of("io.tokenwarden", "io.vertx")) {
      ((Logger) LoggerFactory.getLogger(name)).setLevel(Level.DEBUG);
    }
  }

  private static ConnectionStatus status(String id, String tenant, String provider, ConnectionState state,
      boolean attention, String reason) {
    return ConnectionStatus.newBuilder().setConnectionId(id).setTenantId(tenant).setProvider(provider)
        .setAccountId("acct-" + id).setState(state).setAttention(attention).setReason(reason)
        .setExpiresAt(Instant.now().plusSeconds(3600)).setUpdatedAt(Instant.now()).setGeneration(1).build();
  }

  private static void send(ConnectionStatus s) throws Exception {
    producer.send(new ProducerRecord<>(topics.status.name(), s.getConnectionId(), s)).get(30, TimeUnit.SECONDS);
  }

  private static void tombstone(String id) throws Exception {
    producer.send(new ProducerRecord<>(topics.status.name(), id, null)).get(30, TimeUnit.SECONDS);
  }

  private static HttpResponse<String> get(String path, String token) throws Exception {
    return request("GET", path, token, Map.of(), null);
  }

  private static HttpResponse<String> request(String method, String path, String token, Map<String, String> headers,
      String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    headers.forEach(b::header);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  private static String sign(byte[] secret, JWTClaimsSet claims) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    jwt.sign(new MACSigner(secret));
    String token = jwt.serialize();
    SECRETS_SEEN.add(token);
    return token;
  }

  private static JWTClaimsSet.Builder claims(String tenant, Instant exp) {
    return new JWTClaimsSet.Builder().subject("mallory").issuer("https://idp.example").audience("tokenwarden")
        .expirationTime(Date.from(exp)).claim("tenant", tenant);
  }

  private static SseClient events(String tenant, String token, Map<String, String> headers) throws Exception {
    Map<String, String> h = new HashMap<>(headers);
    if (token != null) {
      h.put("Authorization", "Bearer " + token);
    }
    return SseClient.open(HTTP, base + "/v1/tenants/" + tenant + "/events", h);
  }

  private static String ticket(String token) throws Exception {
    HttpResponse<String> r = request("POST", "/v1/sse-tickets", token, Map.of(), null);
    assertThat(r.statusCode()).isEqualTo(200);
    String ticket = json(r).get("ticket").asText();
    SECRETS_SEEN.add(ticket);
    return ticket;
  }

  private static String metrics() throws Exception {
    return get("/metrics", null).body();
  }

  // ------------------------------------------------------------------ authentication

  @Test
  void aMissingForgedExpiredOrForeignTokenGets401AndNothingElse() throws Exception {
    byte[] secret = SECRET.getBytes(StandardCharsets.UTF_8);
    Instant hour = Instant.now().plusSeconds(3600);
    List<String> bad = new ArrayList<>(List.of(
        "not-a-jwt",
        sign("another-secret-of-at-least-32-bytes!!".getBytes(StandardCharsets.UTF_8), claims("tenant-a", hour).build()),
        sign(secret, claims("tenant-a", Instant.now().minusSeconds(600)).build()),
        sign(secret, claims("tenant-a", hour).issuer("https://evil.example").build()),
        sign(secret, claims("tenant-a", hour).audience("someone-else").build()),
        sign(secret, new JWTClaimsSet.Builder().issuer("https://idp.example").audience("tokenwarden")
            .expirationTime(Date.from(hour)).build()),
        sign(secret, new JWTClaimsSet.Builder().issuer("https://idp.example").audience("tokenwarden")
            .claim("tenant", "tenant-a").build()),
        "x".repeat(5000)));
    // alg=none with the right claims.
    bad.add(new com.nimbusds.jwt.PlainJWT(claims("tenant-a", hour).build()).serialize());
    for (String token : bad) {
      HttpResponse<String> r = get("/v1/tenants/tenant-a/connections", token);
      assertThat(r.statusCode()).as(token.length() > 60 ? token.substring(0, 60) : token).isEqualTo(401);
      assertThat(json(r).get("error").asText()).isEqualTo("unauthorized");
      assertThat(r.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    }
    assertThat(get("/v1/tenants/tenant-a/connections", null).statusCode()).isEqualTo(401);
    assertThat(request("GET", "/v1/connections/a-1", null, Map.of("Authorization", "Basic YTpi"), null).statusCode())
        .isEqualTo(401);
    assertThat(events("tenant-a", null, Map.of()).status).isEqualTo(401);
  }

  // ------------------------------------------------------------------ tenant isolation

  @Test
  void aTenantSeesNothingOfAnotherTenantAndTheAnswersLeakNothing() throws Exception {
    HttpResponse<String> foreign = get("/v1/connections/b-1", tokenA);
    HttpResponse<String> unknown = get("/v1/connections/no-such-connection", tokenA);
    assertThat(foreign.statusCode()).isEqualTo(404);
    assertThat(foreign.body()).isEqualTo(unknown.body()).doesNotContain("b-1").doesNotContain("tenant-b");
    assertThat(get("/v1/connections/b-1", tokenB).statusCode()).isEqualTo(200);

    HttpResponse<String> list = get("/v1/tenants/tenant-b/connections", tokenA);
    assertThat(list.statusCode()).isEqualTo(403);
    assertThat(list.body()).isEqualTo("{\"error\":\"forbidden\"}");
    assertThat(get("/v1/tenants/no-such-tenant/connections", tokenA).body()).isEqualTo(list.body());
    assertThat(events("tenant-b", tokenA, Map.of()).status).isEqualTo(403);

    HttpResponse<String> refresh = request("POST", "/v1/connections/b-1/refresh", tokenA, Map.of(), null);
    assertThat(refresh.statusCode()).isEqualTo(404);
    assertThat(refresh.body()).isEqualTo(unknown.body());
    // A ticket carries its tenant: A's ticket does not open B's stream.
    try (SseClient c = SseClient.open(HTTP, base + "/v1/tenants/tenant-b/events?ticket=" + ticket(tokenA), Map.of())) {
      assertThat(c.status).isEqualTo(403);
    }
  }

  // ------------------------------------------------------------------ the API

  @Test
  void oneConnectionHasEveryFieldThePageShowsWithTheReasonInPlainWords() throws Exception {
    HttpResponse<String> r = get("/v1/connections/a-2", tokenA);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Cache-Control")).contains("no-store");
    JsonNode s = json(r);
    assertThat(s.get("providerName").asText()).isEqualTo("Facebook");
    assertThat(s.get("state").asText()).isEqualTo("EXPIRED");
    assertThat(s.get("stateLabel").asText()).isEqualTo("Expired");
    assertThat(s.get("attention").asBoolean()).isTrue();
    assertThat(s.get("message").asText()).isEqualTo("The Facebook token expired: reconnect the account.");
    assertThat(s.get("renewable").asBoolean()).as("no machine renews a Facebook token").isFalse();
    assertThat(Instant.parse(s.get("expiresAt").asText())).isAfter(Instant.now());
    assertThat(json(get("/v1/connections/a-3", tokenA)).get("renewable").asBoolean()).isTrue();
  }

  @Test
  void theListingPutsTheMarkFirstFiltersAndPagesWithACursor() throws Exception {
    JsonNode all = json(get("/v1/tenants/tenant-a/connections", tokenA));
    List<String> ids = new ArrayList<>();
    all.get("connections").forEach(c -> ids.add(c.get("connectionId").asText()));
    assertThat(ids).startsWith("a-2").contains("a-1", "a-3").allMatch(id -> id.startsWith("a-"));
    assertThat(all.get("nextCursor").isNull()).isTrue();

    JsonNode flagged = json(get("/v1/tenants/tenant-a/connections?attention=true", tokenA));
    assertThat(flagged.get("connections")).allSatisfy(c -> assertThat(c.get("attention").asBoolean()).isTrue());
    JsonNode youtube = json(get("/v1/tenants/tenant-a/connections?provider=youtube", tokenA));
    assertThat(youtube.get("connections")).extracting(c -> c.get("connectionId").asText()).containsExactly("a-3");

    List<String> paged = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonNode page = json(get("/v1/tenants/tenant-bulk/connections?limit=500"
          + (cursor == null ? "" : "&cursor=" + cursor), tokenFor("tenant-bulk")));
      page.get("connections").forEach(c -> paged.add(c.get("connectionId").asText()));
      cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
      pages++;
    } while (cursor != null);
    assertThat(paged).hasSize(PRELOADED + 1).doesNotHaveDuplicates();
    assertThat(pages).isEqualTo(7);
  }

  private static String tokenFor(String tenant) throws Exception {
    return sign(SECRET.getBytes(StandardCharsets.UTF_8), claims(tenant, Instant.now().plusSeconds(600)).build());
  }

  @Test
  void everyParameterHasALimitAndABadOneGets400NamingIt() throws Exception {
    Map<String, String> cases = Map.of(
        "/v1/tenants/tenant-a/connections?limit=0", "limit",
        "/v1/tenants/tenant-a/connections?limit=501", "limit",
        "/v1/tenants/tenant-a/connections?limit=abc", "limit",
        "/v1/tenants/tenant-a/connections?attention=maybe", "attention",
        "/v1/tenants/tenant-a/connections?cursor=%25%25", "cursor",
        "/v1/tenants/tenant-a/connections?provider=" + "p".repeat(65), "provider",
        "/v1/tenants/tenant-a/connections?limit=1&limit=2", "limit",
        "/v1/connections/" + "c".repeat(256), "id");
    for (var c : cases.entrySet()) {
      HttpResponse<String> r = get(c.getKey(), tokenA);
      assertThat(r.statusCode()).as(c.getKey()).isEqualTo(400);
      assertThat(json(r).get("detail").asText()).as(c.getKey()).startsWith(c.getValue() + ":");
    }
    HttpResponse<String> body = request("POST", "/v1/connections/a-1/refresh", tokenA, Map.of(), "x".repeat(2048));
    assertThat(body.statusCode()).isEqualTo(413);
    HttpResponse<String> longId = request("GET", "/v1/tenants/tenant-a/events", tokenA,
        Map.of("Last-Event-ID", "z".repeat(601)), null);
    assertThat(longId.statusCode()).isEqualTo(400);
    try (SseClient c = SseClient.open(HTTP, base + "/v1/tenants/tenant-a/events?ticket=" + "t".repeat(1000), Map.of())) {
      assertThat(c.status).isEqualTo(401);
    }
    assertThat(get("/v1/nothing-here", tokenA).statusCode()).isEqualTo(404);
  }

  @Test
  void theRefreshIconPublishesRefreshRequestedForTheCallersConnection() throws Exception {
    HttpResponse<String> r = request("POST", "/v1/connections/a-3/refresh", tokenA, Map.of(), null);
    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(json(r).get("status").asText()).isEqualTo("requested");
    try (KafkaConsumer<String, TokenLifecycleEvent> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.GROUP_ID_CONFIG, "gw-it-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), topics.lifecycle.keySerde().deserializer(),
        topics.lifecycle.valueSerde().deserializer())) {
      consumer.subscribe(List.of(topics.lifecycle.name()));
      List<TokenLifecycleEvent> seen = new ArrayList<>();
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(rec -> seen.add(rec.value()));
        return seen.stream().anyMatch(e -> e.getConnectionId().equals("a-3"));
      });
      assertThat(seen).noneMatch(e -> e.getConnectionId().equals("b-1"));
      TokenLifecycleEvent e = seen.stream().filter(x -> x.getConnectionId().equals("a-3")).findFirst().orElseThrow();
      assertThat(e.getPayload()).isInstanceOf(RefreshRequested.class);
      assertThat(((RefreshRequested) e.getPayload()).getRequestedBy()).isEqualTo("alice");
    }
  }

  // ------------------------------------------------------------------ the event stream

  @Test
  void theStreamStartsWithASnapshotThenCarriesEveryChangeOfTheTenantOnly() throws Exception {
    try (SseClient c = events("tenant-a", tokenA, Map.of())) {
      assertThat(c.status).isEqualTo(200);
      await().atMost(Duration.ofSeconds(10)).until(() -> !c.events.isEmpty());
      SseClient.Event snapshot = c.events.get(0);
      assertThat(snapshot.event()).isEqualTo("snapshot");
      assertThat(snapshot.id()).isNotBlank();
      List<String> ids = new ArrayList<>();
      JSON.readTree(snapshot.data()).get("connections").forEach(s -> ids.add(s.get("connectionId").asText()));
      assertThat(ids).contains("a-1", "a-2").allMatch(id -> id.startsWith("a-"));

      send(status("b-1", "tenant-b", "x", ConnectionState.CONNECTED, false, null));
      send(status("a-4", "tenant-a", "linkedin", ConnectionState.EXPIRING, true, "access_token_expiring"));
      tombstone("a-4");
      await().atMost(Duration.ofSeconds(10)).until(() -> c.of("removed").size() == 1);
      List<SseClient.Event> changes = c.events.subList(1, c.events.size());
      assertThat(changes).extracting(SseClient.Event::event).containsExactly("status", "removed");
      assertThat(JSON.readTree(changes.get(0).data()).get("connectionId").asText()).isEqualTo("a-4");
      assertThat(JSON.readTree(changes.get(0).data()).get("message").asText())
          .isEqualTo("The LinkedIn token expires soon and cannot be renewed automatically: reconnect the account.");
      assertThat(changes).allSatisfy(e -> assertThat(e.id()).isNotBlank().isNotEqualTo(snapshot.id()));
      assertThat(c.events).noneMatch(e -> e.data().contains("tenant-b"));
      // The heartbeat comment (every second in this test).
      await().atMost(Duration.ofSeconds(5)).until(() -> c.comments.contains("heartbeat"));
    }
  }

  @Test
  void aClientThatReconnectsWithItsLastIdGetsExactlyWhatItMissedOrAFreshSnapshot() throws Exception {
    String lastId;
    try (SseClient c = events("tenant-a", tokenA, Map.of())) {
      send(status("a-5", "tenant-a", "x", ConnectionState.CONNECTED, false, null));
      await().atMost(Duration.ofSeconds(10)).until(() -> c.events.stream().anyMatch(e -> e.data().contains("\"a-5\"")));
      lastId = c.last().id();
    }
    send(status("a-5", "tenant-a", "x", ConnectionState.REFRESHING, false, null));
    send(status("a-6", "tenant-a", "x", ConnectionState.CONNECTED, false, null));
    await().atMost(Duration.ofSeconds(10)).until(() -> gateway.index().get("a-6").isPresent());
    try (SseClient c = events("tenant-a", tokenA, Map.of("Last-Event-ID", lastId))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> c.events.size() >= 2);
      assertThat(c.events).extracting(SseClient.Event::event).containsExactly("status", "status");
      assertThat(JSON.readTree(c.events.get(0).data()).get("state").asText()).isEqualTo("REFRESHING");
      assertThat(JSON.readTree(c.events.get(1).data()).get("connectionId").asText()).isEqualTo("a-6");
    }
    // More changes than the gateway keeps (8 per tenant here): the gap cannot be filled, so a fresh snapshot.
    for (int i = 0; i < 12; i++) {
      send(status("a-7", "tenant-a", "x", i % 2 == 0 ? ConnectionState.REFRESHING : ConnectionState.CONNECTED, false, null));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> gateway.index().get("a-7").map(v -> v.state() == ConnectionState.CONNECTED).orElse(false));
    try (SseClient c = SseClient.open(HTTP, base + "/v1/tenants/tenant-a/events?lastEventId="
        + URLEncoder.encode(lastId, StandardCharsets.UTF_8), Map.of("Authorization", "Bearer " + tokenA))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> !c.events.isEmpty());
      assertThat(c.events.get(0).event()).isEqualTo("snapshot");
      assertThat(c.events.get(0).data()).contains("\"a-7\"");
    }
    // A malformed or foreign id also gets a snapshot, not an error.
    try (SseClient c = events("tenant-a", tokenA, Map.of("Last-Event-ID", "garbage"))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> !c.events.isEmpty());
      assertThat(c.events.get(0).event()).isEqualTo("snapshot");
    }
  }

  @Test
  void aTicketOpensOneStreamOnceAndIsRefusedAfterwardsOrWhenForged() throws Exception {
    String ticket = ticket(tokenA);
    try (SseClient c = SseClient.open(HTTP, base + "/v1/tenants/tenant-a/events?ticket=" + ticket, Map.of())) {
      assertThat(c.status).isEqualTo(200);
      await().atMost(Duration.ofSeconds(10)).until(() -> !c.events.isEmpty());
      assertThat(c.events.get(0).event()).isEqualTo("snapshot");
    }
    try (SseClient again = SseClient.open(HTTP, base + "/v1/tenants/tenant-a/events?ticket=" + ticket, Map.of())) {
      assertThat(again.status).isEqualTo(401);
    }
    String forged = ticket.substring(0, ticket.lastIndexOf('.') + 1) + "AAAA" + ticket.substring(ticket.lastIndexOf('.') + 5);
    try (SseClient c = SseClient.open(HTTP, base + "/v1/tenants/tenant-a/events?ticket=" + forged, Map.of())) {
      assertThat(c.status).isEqualTo(401);
    }
    // Tickets are only for the stream.
    assertThat(get("/v1/tenants/tenant-a/connections?ticket=" + ticket(tokenA), null).statusCode()).isEqualTo(401);
  }

  @Test
  void aClientThatReadsNothingIsDisconnectedInsteadOfBufferedWithoutBound(@TempDir Path dir) throws Exception {
    GatewayConfig tight = GatewayConfig.from(env.with(Map.of("TOKENWARDEN_GATEWAY_CLIENT_QUEUE", "20",
        "TOKENWARDEN_GATEWAY_CLIENT_BUFFER_BYTES", "1024")), dir, false);
    var registry = OpsMetrics.newRegistry("gateway-it-slow");
    StatusGateway slowGateway = StatusGateway.create(tight, env, topics, Map.of("bootstrap.servers", bootstrap),
        requests::refreshRequested, registry);
    try (OpsServer slowServer = OpsServer.start(0, registry, Health.all(List.of()), slowGateway.ready(),
        List.of(slowGateway.routes()))) {
      slowGateway.start();
      await().atMost(Duration.ofSeconds(60)).until(() -> slowGateway.ready().check().ok());
      try (Socket socket = new Socket()) {
        socket.setReceiveBufferSize(4096);
        socket.connect(new java.net.InetSocketAddress("localhost", slowServer.port()), 5_000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET /v1/tenants/tenant-slow/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
            + tokenFor("tenant-slow") + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        await().atMost(Duration.ofSeconds(10)).until(() -> slowGateway.clients() == 1);
        // Large events, far more than the socket buffers, the write buffer and the queue hold together.
        String big = "r".repeat(400);
        for (int i = 0; i < 3_000 && slowGateway.clients() == 1; i++) {
          ConnectionStatus s = status("slow-" + (i % 50), "tenant-slow", "x", ConnectionState.DEGRADED, false, big);
          producer.send(new ProducerRecord<>(topics.status.name(), s.getConnectionId(), s));
        }
        producer.flush();
        await().atMost(Duration.ofSeconds(30)).until(() -> slowGateway.clients() == 0);
        String m = slowServer.port() > 0 ? HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:"
            + slowServer.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body() : "";
        assertThat(m).contains("tokenwarden_gateway_sse_disconnects_total{application=\"gateway-it-slow\",reason=\"slow_client\"} 1.0");
        // The server ends the connection: reading now drains what was sent, then hits the end.
        InputStream in = socket.getInputStream();
        socket.setSoTimeout(15_000);
        byte[] buf = new byte[65536];
        long total = 0;
        try {
          for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
            total += n;
          }
        } catch (java.net.SocketException reset) {
          // Reset after the grace period: also an end.
        }
        assertThat(total).isGreaterThan(0);
      }
    } finally {
      slowGateway.close();
    }
  }

  @Test
  void closingTheGatewayTellsStreamClientsWhyAndEndsTheirStreams(@TempDir Path dir) throws Exception {
    var registry = OpsMetrics.newRegistry("gateway-it-close");
    StatusGateway other = StatusGateway.create(GatewayConfig.from(env, dir, false), env, topics,
        Map.of("bootstrap.servers", bootstrap), requests::refreshRequested, registry);
    try (OpsServer otherServer = OpsServer.start(0, registry, other.live(), other.ready(), List.of(other.routes()))) {
      other.start();
      await().atMost(Duration.ofSeconds(60)).until(() -> other.ready().check().ok());
      try (SseClient c = SseClient.open(HTTP, "http://localhost:" + otherServer.port() + "/v1/tenants/tenant-a/events",
          Map.of("Authorization", "Bearer " + tokenA))) {
        await().atMost(Duration.ofSeconds(10)).until(() -> !c.events.isEmpty());
        other.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> c.ended);
        SseClient.Event bye = c.last();
        assertThat(bye.event()).isEqualTo("bye");
        assertThat(JSON.readTree(bye.data()).get("reason").asText()).isEqualTo("shutting_down");
      }
    }
  }

  // ------------------------------------------------------------------ the rest

  @Test
  void corsAllowsTheConfiguredOriginOnly() throws Exception {
    Map<String, String> preflight = Map.of("Origin", "https://app.example.com", "Access-Control-Request-Method", "GET",
        "Access-Control-Request-Headers", "authorization");
    HttpResponse<String> ok = request("OPTIONS", "/v1/tenants/tenant-a/connections", null, preflight, null);
    assertThat(ok.headers().firstValue("Access-Control-Allow-Origin")).contains("https://app.example.com");
    HttpResponse<String> other = request("OPTIONS", "/v1/tenants/tenant-a/connections", null,
        Map.of("Origin", "https://evil.example", "Access-Control-Request-Method", "GET"), null);
    assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  @Test
  void theOpenApiDocumentIsValidOpenApi3AndDescribesEveryRoute() throws Exception {
    HttpResponse<String> r = get("/openapi.json", null);
    assertThat(r.statusCode()).isEqualTo(200);
    // vertx-openapi validates against the OpenAPI 3 schema, then builds a router contract, and its router has no
    // text/event-stream; the stream's media type is swapped for one it knows after the document is fetched.
    JsonObject doc = new JsonObject(r.body().replace("\"text/event-stream\"", "\"text/plain\""));
    Vertx vertx = Vertx.vertx();
    try {
      OpenAPIContract contract = OpenAPIContract.from(vertx, doc).toCompletionStage().toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
      assertThat(contract.getPaths()).extracting(p -> p.getName()).containsExactlyInAnyOrder(
          "/v1/connections/{id}", "/v1/connections/{id}/refresh", "/v1/tenants/{tenant}/connections",
          "/v1/tenants/{tenant}/events", "/v1/sse-tickets");
    } finally {
      vertx.close();
    }
  }

  @Test
  void thePageIsServedWithAContentSecurityPolicyAndNoInlineScript() throws Exception {
    HttpResponse<String> page = get("/", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(v ->
        assertThat(v).contains("script-src 'self'").contains("frame-ancestors 'none'"));
    assertThat(page.body()).contains("<script src=\"/page/app.js\" defer></script>").doesNotContain("<script>");
    assertThat(get("/page/app.js", null).statusCode()).isEqualTo(200);
    assertThat(get("/page/../pom.xml", null).statusCode()).isEqualTo(404);
  }

  @Test
  void theMetersCountClientsEventsAndRequestsByRouteAndStatus() throws Exception {
    try (SseClient c = events("tenant-a", tokenA, Map.of())) {
      await().atMost(Duration.ofSeconds(10)).until(() -> !c.events.isEmpty());
      assertThat(metrics()).containsPattern("tokenwarden_gateway_sse_clients\\{application=\"gateway-it\"} [1-9]");
    }
    get("/v1/connections/a-1", tokenA);
    String m = metrics();
    assertThat(m).containsPattern("tokenwarden_gateway_sse_events_total\\{application=\"gateway-it\",event=\"snapshot\"} [1-9]")
        .contains("tokenwarden_http_requests_seconds_count{application=\"gateway-it\",method=\"GET\",route=\"/v1/connections/{id}\",status=\"200\"}")
        .contains("route=\"/v1/tenants/{tenant}/events\",status=\"200\"")
        .containsPattern("tokenwarden_gateway_statuses\\{application=\"gateway-it\"} [1-9]")
        .contains("tokenwarden_gateway_status_lag_records{application=\"gateway-it\"}")
        .contains("tokenwarden_gateway_ready{application=\"gateway-it\"} 1.0");
  }

  @Test
  void noTokenTicketOrSecretAppearsInAnyLogLine() throws Exception {
    // Make sure there is something to log: a 401, a ticket, a stream.
    get("/v1/tenants/tenant-a/connections", "bad." + tokenA);
    String t = ticket(tokenA);
    try (SseClient c = SseClient.open(HTTP, base + "/v1/tenants/tenant-a/events?ticket=" + t, Map.of())) {
      await().atMost(Duration.ofSeconds(10)).until(() -> !c.events.isEmpty());
    }
    assertThat(LOG).isNotEmpty();
    for (String secret : SECRETS_SEEN) {
      String middle = secret.length() > 40 ? secret.substring(secret.length() / 2 - 10, secret.length() / 2 + 10) : secret;
      assertThat(LOG).noneMatch(line -> line.contains(middle));
    }
  }
}
