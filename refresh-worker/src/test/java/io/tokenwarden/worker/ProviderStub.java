package io.tokenwarden.worker;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A generic OAuth2 token endpoint with single-use refresh tokens, the test oracle for replays: every refresh token
 * works once and is rotated; a spent one gets {@code invalid_grant}. It counts the calls per refresh token.
 * Refresh tokens starting with {@code slow-} are held until {@link #releaseSlow()}; those starting with
 * {@code huge-} get an access token of {@value #HUGE} characters.
 */
final class ProviderStub implements AutoCloseable {

  static final int HUGE = 12_000;

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final Set<String> spent = ConcurrentHashMap.newKeySet();
  private final CountDownLatch slowGate = new CountDownLatch(1);
  private final AtomicInteger slowWaiting = new AtomicInteger();

  ProviderStub() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
    server.createContext("/token", this::token);
    server.setExecutor(threads);
    server.start();
  }

  String tokenUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
  }

  /** Provider settings for a generic provider {@code id} at this stub, with rotating refresh tokens. */
  Map<String, String> providerVars(String id) {
    String key = "TOKENWARDEN_PROVIDER_" + id.toUpperCase();
    Map<String, String> vars = new HashMap<>();
    vars.put(key + "_TYPE", "oauth2");
    vars.put(key + "_TOKEN_URL", tokenUrl());
    vars.put(key + "_CLIENT_ID", id + "-client");
    vars.put(key + "_CLIENT_SECRET", id + "-secret");
    vars.put(key + "_ROTATES_REFRESH_TOKEN", "true");
    vars.put(key + "_TIMEOUT", "PT120S");
    vars.put(key + "_MAX_RPS", "1000");
    return vars;
  }

  /** Calls made with {@code refreshToken}, answered or not. */
  int calls(String refreshToken) {
    AtomicInteger n = calls.get(refreshToken);
    return n == null ? 0 : n.get();
  }

  Map<String, Integer> allCalls() {
    Map<String, Integer> copy = new HashMap<>();
    calls.forEach((token, n) -> copy.put(token, n.get()));
    return copy;
  }

  /** Whether {@code refreshToken} has been used up by an answer. */
  boolean spent(String refreshToken) {
    return spent.contains(refreshToken);
  }

  /** Calls of {@code slow-} tokens waiting for {@link #releaseSlow()}. */
  int slowWaiting() {
    return slowWaiting.get();
  }

  void releaseSlow() {
    slowGate.countDown();
  }

  private void token(HttpExchange exchange) throws IOException {
    try (exchange) {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String refreshToken = null;
      for (String pair : body.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0 && pair.substring(0, eq).equals("refresh_token")) {
          refreshToken = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        }
      }
      if (refreshToken == null) {
        respond(exchange, 400, "{\"error\": \"invalid_request\"}");
        return;
      }
      calls.computeIfAbsent(refreshToken, t -> new AtomicInteger()).incrementAndGet();
      if (refreshToken.startsWith("slow-")) {
        slowWaiting.incrementAndGet();
        try {
          slowGate.await(5, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          slowWaiting.decrementAndGet();
        }
      }
      // Spent once answered, whether or not the caller is still there to read the answer: as at a real provider.
      if (!spent.add(refreshToken)) {
        respond(exchange, 400, "{\"error\": \"invalid_grant\", \"error_description\": \"refresh token already used\"}");
        return;
      }
      String access = refreshToken.startsWith("huge-") ? "a".repeat(HUGE) : "access-for-" + refreshToken;
      respond(exchange, 200, "{\"access_token\": \"" + access + "\", \"token_type\": \"Bearer\", \"expires_in\": 3600,"
          + " \"refresh_token\": \"next-" + refreshToken + "\"}");
    }
  }

  private static void respond(HttpExchange exchange, int status, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    } catch (IOException gone) {
      // The caller died or gave up; the token is spent all the same.
    }
  }

  @Override
  public void close() {
    releaseSlow();
    server.stop(0);
    threads.shutdownNow();
  }
}
