package io.tokenwarden.runtime.ops;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server of every process, on Vert.x: {@code /metrics} (Prometheus text), {@code /health/live} and
 * {@code /health/ready} (200 when the check passes, 503 otherwise), and whatever {@link HttpRoutes} a service
 * mounts beside them (the status gateway's API and page). One port per process.
 *
 * <p>Vert.x serves every connection from a few event-loop threads, so thousands of long-lived connections
 * (Server-Sent Events) cost memory, not threads. Request latency is recorded by route and status as
 * {@value #REQUEST_TIMER}.
 */
public final class OpsServer implements AutoCloseable {

  /** Latency of answered requests, by {@code route} (the template), {@code method} and {@code status}. */
  public static final String REQUEST_TIMER = "tokenwarden.http.requests";

  /** Longest request line (method, path and query) accepted; longer ones get 414. */
  public static final int MAX_REQUEST_LINE = 4096;
  /** Largest total size of the request headers; larger ones get 431. */
  public static final int MAX_HEADER_SIZE = 8192;

  private static final Logger log = LoggerFactory.getLogger(OpsServer.class);
  private static final String ROUTE_KEY = "tokenwarden.route";
  private static final String UNTIMED_KEY = "tokenwarden.untimed";

  private final Vertx vertx;
  private final HttpServer server;

  private OpsServer(Vertx vertx, HttpServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  /** Starts serving the ops endpoints alone on {@code port} (0 picks a free one) on all interfaces. */
  public static OpsServer start(int port, PrometheusMeterRegistry registry, Health live, Health ready) {
    return start(port, registry, live, ready, List.of());
  }

  /** Starts serving the ops endpoints and the routes of {@code services} on {@code port}. */
  public static OpsServer start(int port, PrometheusMeterRegistry registry, Health live, Health ready,
      List<HttpRoutes> services) {
    Vertx vertx = Vertx.vertx(new VertxOptions()
        .setEventLoopPoolSize(Math.max(2, Runtime.getRuntime().availableProcessors()))
        .setWorkerPoolSize(8));
    try {
      Router router = Router.router(vertx);
      router.route().handler(ctx -> timed(ctx, registry));
      router.get("/metrics").handler(named("/metrics")).handler(ctx -> {
        String type = contentType(ctx.request().getHeader("Accept"));
        // A scrape formats every meter; keep it off the event loop.
        vertx.executeBlocking(() -> registry.scrape(type), false).onComplete(r -> {
          if (r.succeeded()) {
            ctx.response().putHeader("Content-Type", type).end(r.result());
          } else {
            ctx.fail(r.cause());
          }
        });
      });
      router.get("/health/live").handler(named("/health/live")).handler(ctx -> health(ctx, live));
      router.get("/health/ready").handler(named("/health/ready")).handler(ctx -> health(ctx, ready));
      for (HttpRoutes service : services) {
        service.mount(vertx, router);
      }
      router.route().last().handler(named("unmatched")).handler(ctx -> ctx.response().setStatusCode(404)
          .putHeader("Content-Type", "text/plain; charset=utf-8")
          .end("try /metrics, /health/live, /health/ready\n"));
      HttpServer server = vertx.createHttpServer(new HttpServerOptions()
              .setMaxInitialLineLength(MAX_REQUEST_LINE)
              .setMaxHeaderSize(MAX_HEADER_SIZE)
              .setAcceptBacklog(4096)
              // A connection with nothing read or written for a minute is closed; event streams write a
              // heartbeat every 15 s.
              .setIdleTimeout(60)
              // HTTP/1.1 only: browsers speak HTTP/2 only over TLS, which the ingress terminates, and the
              // limits above apply to HTTP/1.1.
              .setHttp2ClearTextEnabled(false)
              .setCompressionSupported(false))
          .requestHandler(router);
      server.listen(port).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      log.info("serving HTTP on port {}", server.actualPort());
      return new OpsServer(vertx, server);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException("cannot serve HTTP on port " + port + ": " + e.getMessage(), e);
    }
  }

  /** A first handler for a route, naming it in the latency meter by its template, such as {@code /v1/x/{id}}. */
  public static io.vertx.core.Handler<RoutingContext> named(String template) {
    return ctx -> {
      ctx.put(ROUTE_KEY, template);
      ctx.next();
    };
  }

  /**
   * Leaves this request out of the latency meter, for a stream that stays open (its route records its own
   * time to the first event instead).
   */
  public static void untimed(RoutingContext ctx) {
    ctx.put(UNTIMED_KEY, Boolean.TRUE);
  }

  /** Records {@code elapsed} for a route, as the server does for every answered request. */
  public static void record(io.micrometer.core.instrument.MeterRegistry registry, String route, String method,
      int status, Duration elapsed) {
    Timer.builder(REQUEST_TIMER)
        .description("Latency of HTTP requests, by route template, method and status")
        .tag("route", route).tag("method", method).tag("status", Integer.toString(status))
        .publishPercentileHistogram()
        .register(registry)
        .record(elapsed);
  }

  private static void timed(RoutingContext ctx, PrometheusMeterRegistry registry) {
    long started = System.nanoTime();
    ctx.addEndHandler(done -> {
      if (ctx.get(UNTIMED_KEY) != null) {
        return;
      }
      String route = ctx.get(ROUTE_KEY);
      record(registry, route == null ? "unmatched" : route, ctx.request().method().name(),
          ctx.response().getStatusCode(), Duration.ofNanos(System.nanoTime() - started));
    });
    ctx.next();
  }

  /** The port actually bound. */
  public int port() {
    return server.actualPort();
  }

  /** The Vert.x instance of this server, for services that serve on it (timers, contexts). */
  public Vertx vertx() {
    return vertx;
  }

  @Override
  public void close() {
    try {
      server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("HTTP server did not close cleanly: {}", e.toString());
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("Vert.x did not close cleanly: {}", e.toString());
    }
  }

  private static String contentType(String accept) {
    // Prometheus asks for OpenMetrics when it can; plain text otherwise.
    return accept != null && accept.contains("application/openmetrics-text")
        ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
        : "text/plain; version=0.0.4; charset=utf-8";
  }

  private static void health(RoutingContext ctx, Health check) {
    Health.Status status;
    try {
      status = check.check();
    } catch (RuntimeException e) {
      status = Health.Status.down("check failed: " + e.getClass().getSimpleName());
    }
    ctx.response().setStatusCode(status.ok() ? 200 : 503)
        .putHeader("Content-Type", "text/plain; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .end((status.ok() ? "UP" : "DOWN") + " " + status.detail() + "\n");
  }
}
