package io.tokenwarden.runtime.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations endpoint of every process, on the JDK's HTTP server: {@code /metrics} (Prometheus text),
 * {@code /health/live} and {@code /health/ready} (200 when the check passes, 503 otherwise).
 */
public final class OpsServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(OpsServer.class);

  private final HttpServer server;
  private final ExecutorService executor;

  private OpsServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /** Starts serving on {@code port} (0 picks a free one) on all interfaces. */
  public static OpsServer start(int port, PrometheusMeterRegistry registry, Health live, Health ready) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(port), 16);
      server.createContext("/metrics", exchange -> {
        String accept = exchange.getRequestHeaders().getFirst("Accept");
        respond(exchange, 200, contentType(accept), registry.scrape(contentType(accept)));
      });
      server.createContext("/health/live", exchange -> health(exchange, live));
      server.createContext("/health/ready", exchange -> health(exchange, ready));
      server.createContext("/", exchange -> respond(exchange, 404, "text/plain", "try /metrics, /health/live, /health/ready\n"));
      ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "ops-http");
        t.setDaemon(true);
        return t;
      });
      server.setExecutor(executor);
      server.start();
      log.info("serving /metrics and /health on port {}", server.getAddress().getPort());
      return new OpsServer(server, executor);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serve metrics on port " + port + ": " + e.getMessage(), e);
    }
  }

  /** The port actually bound. */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private static String contentType(String accept) {
    // Prometheus asks for OpenMetrics when it can; plain text otherwise.
    return accept != null && accept.contains("application/openmetrics-text")
        ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
        : "text/plain; version=0.0.4; charset=utf-8";
  }

  private static void health(HttpExchange exchange, Health check) throws IOException {
    Health.Status status;
    try {
      status = check.check();
    } catch (RuntimeException e) {
      status = Health.Status.down("check failed: " + e.getClass().getSimpleName());
    }
    respond(exchange, status.ok() ? 200 : 503, "text/plain; charset=utf-8",
        (status.ok() ? "UP" : "DOWN") + " " + status.detail() + "\n");
  }

  private static void respond(HttpExchange exchange, int code, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
