package io.tokenwarden.faults;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OAuth2 token endpoint with single-use refresh tokens: each refresh spends the token presented and issues a
 * new one (rotation); a spent or unknown token gets {@code invalid_grant}. It counts the calls per token and
 * remembers when each grant was answered. Calls for connections marked slow are answered after a delay (from a
 * scheduler, so no thread sleeps).
 */
final class ProviderStub implements AutoCloseable {

  /** One refresh token's fate. */
  record Grant(String connection, String refreshToken, Instant answeredAt, String next) {}

  private final HttpServer server;
  private final ScheduledExecutorService later = Executors.newScheduledThreadPool(2);
  private final Map<String, String> owner = new ConcurrentHashMap<>();
  private final Set<String> spent = ConcurrentHashMap.newKeySet();
  private final Map<String, String> current = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final Map<String, Grant> grants = new ConcurrentHashMap<>();
  private final Set<String> slow = ConcurrentHashMap.newKeySet();
  private final AtomicInteger replays = new AtomicInteger();
  private final AtomicInteger serial = new AtomicInteger();
  private final Duration slowDelay;

  ProviderStub(Duration slowDelay) throws IOException {
    this.slowDelay = slowDelay;
    server = HttpServer.create(new InetSocketAddress("localhost", 0), 200);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.createContext("/token", this::token);
    server.start();
  }

  String tokenUrl() {
    return "http://localhost:" + server.getAddress().getPort() + "/token";
  }

  /** The environment that declares this stub as generic OAuth2 provider {@code id}. */
  Map<String, String> env(String id) {
    String p = "TOKENWARDEN_PROVIDER_" + id.toUpperCase(java.util.Locale.ROOT) + "_";
    return Map.of(p + "TYPE", "oauth2", p + "TOKEN_URL", tokenUrl(), p + "CLIENT_ID", "faults",
        p + "CLIENT_SECRET", "faults-secret", p + "ROTATES_REFRESH_TOKEN", "true", p + "MAX_RPS", "1000",
        p + "TIMEOUT", "PT" + (slowDelay.toSeconds() + 10) + "S", p + "CIRCUIT_MIN_CALLS", "100000");
  }

  /** A first refresh token for {@code connection}, valid until used. */
  String issue(String connection) {
    String token = "rt-" + connection + "-" + serial.incrementAndGet();
    owner.put(token, connection);
    current.put(connection, token);
    return token;
  }

  void slow(String connection) {
    slow.add(connection);
  }

  /** The refresh token that works for {@code connection} now. */
  String currentToken(String connection) {
    return current.get(connection);
  }

  int calls(String refreshToken) {
    AtomicInteger n = calls.get(refreshToken);
    return n == null ? 0 : n.get();
  }

  /** Calls that presented a token already spent. */
  int replays() {
    return replays.get();
  }

  /** Grants answered with a new token, by the refresh token spent. */
  Map<String, Grant> grants() {
    return Map.copyOf(grants);
  }

  private void token(HttpExchange exchange) throws IOException {
    Map<String, String> form = form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    String token = form.getOrDefault("refresh_token", "");
    calls.computeIfAbsent(token, t -> new AtomicInteger()).incrementAndGet();
    String connection = owner.get(token);
    if (connection == null || !"refresh_token".equals(form.get("grant_type")) || !spent.add(token)) {
      if (connection != null) {
        replays.incrementAndGet();
      }
      respond(exchange, 400, "{\"error\":\"invalid_grant\",\"error_description\":\"refresh token spent or unknown\"}");
      return;
    }
    String next = issue(connection);
    String body = "{\"access_token\":\"at-" + next + "\",\"token_type\":\"Bearer\",\"expires_in\":3600,"
        + "\"refresh_token\":\"" + next + "\"}";
    Runnable answer = () -> {
      try {
        respond(exchange, 200, body);
        grants.put(token, new Grant(connection, token, Instant.now(), next));
      } catch (IOException e) {
        // The caller went away (killed): the grant is spent all the same, as at a real provider.
        grants.put(token, new Grant(connection, token, null, next));
      }
    };
    if (slow.contains(connection)) {
      later.schedule(answer, slowDelay.toMillis(), TimeUnit.MILLISECONDS);
    } else {
      answer.run();
    }
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (var out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static Map<String, String> form(String body) {
    Map<String, String> form = new HashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return form;
  }

  @Override
  public void close() {
    server.stop(0);
    later.shutdownNow();
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
