package io.tokenwarden.gateway.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.tokenwarden.gateway.GatewayConfig;
import io.tokenwarden.gateway.auth.Principal;
import io.tokenwarden.gateway.auth.SseTickets;
import io.tokenwarden.gateway.auth.TokenVerifier;
import io.tokenwarden.gateway.auth.Unauthorized;
import io.tokenwarden.gateway.index.Cursor;
import io.tokenwarden.gateway.index.EventPosition;
import io.tokenwarden.gateway.index.StatusIndex;
import io.tokenwarden.gateway.index.StatusJson;
import io.tokenwarden.gateway.index.StatusView;
import io.tokenwarden.runtime.ops.HttpRoutes;
import io.tokenwarden.runtime.ops.OpsServer;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's API, event stream and status page, mounted on the process's HTTP server.
 *
 * <p>Every {@code /v1} call needs {@code Authorization: Bearer <JWT>} (the event stream also takes a ticket
 * from {@code POST /v1/sse-tickets} as {@code ?ticket=}, for browsers); the token's tenant claim must be the
 * tenant of what is read or changed. Another tenant's connection is answered exactly like an unknown one
 * (404), another tenant's listing or stream with 403, and neither body says more. Every input is bounded:
 * path ids, query parameters, headers (by the server), bodies (1 KiB).
 */
public final class GatewayRoutes implements HttpRoutes {

  static final String EVENTS_ROUTE = "/v1/tenants/{tenant}/events";
  /** Largest request body accepted, in bytes. */
  public static final int MAX_BODY = 1024;
  /** Longest id in a path, as for the ids on the topics. */
  public static final int MAX_ID = 255;
  public static final int MAX_PROVIDER = 64;
  public static final int DEFAULT_LIMIT = 100;
  public static final int MAX_LIMIT = 500;
  /** Entries a filtered listing examines per request at most. */
  static final int SCAN_BUDGET = 20_000;

  private static final Logger log = LoggerFactory.getLogger(GatewayRoutes.class);
  private static final String PRINCIPAL = "tokenwarden.principal";
  private static final Set<String> PAGE_FILES = Set.of("index.html", "app.js", "style.css");
  private static final String PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self';"
      + " connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  /** Publishes the refresh icon's request: {@code RefreshRequested} on {@code tokens.lifecycle}. */
  @FunctionalInterface
  public interface RefreshRequests {
    CompletionStage<?> request(String connectionId, String requestedBy);
  }

  private final GatewayConfig config;
  private final Supplier<StatusIndex> index;
  private final TokenVerifier verifier;
  private final SseTickets tickets;
  private final RefreshRequests refreshes;
  private final GatewayMetrics metrics;
  private final Set<SseSession> sessions = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final Map<String, Buffer> page;
  private final Buffer openApi;

  public GatewayRoutes(GatewayConfig config, Supplier<StatusIndex> index, TokenVerifier verifier,
      SseTickets tickets, RefreshRequests refreshes, GatewayMetrics metrics) {
    this.config = config;
    this.index = index;
    this.verifier = verifier;
    this.tickets = tickets;
    this.refreshes = refreshes;
    this.metrics = metrics;
    this.page = Map.of(
        "index.html", resource("page/index.html"),
        "app.js", resource("page/app.js"),
        "style.css", resource("page/style.css"));
    this.openApi = resource("openapi.json");
  }

  @Override
  public void mount(Vertx vertx, Router router) {
    router.get("/").handler(OpsServer.named("/")).handler(ctx -> pageFile(ctx, "index.html"));
    router.get("/page/:file").handler(OpsServer.named("/page/{file}")).handler(ctx -> pageFile(ctx, ctx.pathParam("file")));
    router.get("/openapi.json").handler(OpsServer.named("/openapi.json")).handler(ctx -> ctx.response()
        .putHeader("Content-Type", "application/json").putHeader("Access-Control-Allow-Origin", "*").end(openApi));

    router.route("/v1/*").handler(ctx -> {
      ctx.response().putHeader("X-Content-Type-Options", "nosniff").putHeader("Cache-Control", "no-store");
      ctx.next();
    });
    if (!config.allowedOrigins().isEmpty()) {
      CorsHandler cors = config.allowedOrigins().contains("*") ? CorsHandler.create()
          : CorsHandler.create().addOrigins(config.allowedOrigins());
      router.route("/v1/*").handler(cors
          .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST))
          .allowedHeaders(Set.of("Authorization", "Content-Type", "Last-Event-ID"))
          .maxAgeSeconds(600));
    }
    router.route("/v1/*").handler(ctx -> {
      StatusIndex i = index.get();
      if (i == null || !i.ready()) {
        ctx.response().putHeader("Retry-After", "1");
        error(ctx, 503, "not_ready");
        return;
      }
      ctx.next();
    });
    router.post("/v1/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY));

    router.post("/v1/sse-tickets").handler(OpsServer.named("/v1/sse-tickets")).handler(this::authenticate)
        .handler(this::ticket);
    router.get("/v1/connections/:id").handler(OpsServer.named("/v1/connections/{id}")).handler(this::authenticate)
        .handler(this::connection);
    router.post("/v1/connections/:id/refresh").handler(OpsServer.named("/v1/connections/{id}/refresh"))
        .handler(this::authenticate).handler(this::refresh);
    router.get("/v1/tenants/:tenant/connections").handler(OpsServer.named("/v1/tenants/{tenant}/connections"))
        .handler(this::authenticate).handler(this::list);
    router.get("/v1/tenants/:tenant/events").handler(OpsServer.named(EVENTS_ROUTE))
        .handler(this::authenticateOrTicket).handler(this::events);
    router.route("/v1/*").handler(OpsServer.named("unmatched")).handler(ctx -> error(ctx, 404, "not_found"));
    router.route("/v1/*").failureHandler(ctx -> {
      int code = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
      if (code >= 500) {
        log.error("request to {} failed", ctx.currentRoute() == null ? "?" : ctx.currentRoute().getPath(),
            ctx.failure());
      }
      error(ctx, code, code == 413 ? "body_too_large" : code >= 500 ? "internal" : "bad_request");
    });
  }

  /** Ends every stream, telling clients the gateway stops. */
  public void closeStreams() {
    for (SseSession s : sessions) {
      s.close(SseSession.SHUTTING_DOWN);
    }
  }

  // ------------------------------------------------------------------ authentication

  private void authenticate(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      unauthorized(ctx, "no bearer token");
      return;
    }
    String token = header.substring(7).trim();
    if (verifier.mayBlock()) {
      // Keys may have to be fetched from the JWKS URL: off the event loop.
      ctx.vertx().executeBlocking(() -> verifier.verify(token), false).onComplete(r -> {
        if (r.succeeded()) {
          ctx.put(PRINCIPAL, r.result());
          ctx.next();
        } else {
          unauthorized(ctx, r.cause().getMessage());
        }
      });
      return;
    }
    try {
      ctx.put(PRINCIPAL, verifier.verify(token));
      ctx.next();
    } catch (Unauthorized e) {
      unauthorized(ctx, e.getMessage());
    }
  }

  private void authenticateOrTicket(RoutingContext ctx) {
    if (ctx.request().getHeader("Authorization") != null) {
      authenticate(ctx);
      return;
    }
    Optional<String> ticket = single(ctx, "ticket");
    if (ticket == null) {
      return;
    }
    try {
      ctx.put(PRINCIPAL, tickets.redeem(ticket.orElse(null)));
      ctx.next();
    } catch (Unauthorized e) {
      unauthorized(ctx, e.getMessage());
    }
  }

  private static void unauthorized(RoutingContext ctx, String why) {
    // Why goes to the debug log only; never the token or ticket itself.
    log.debug("401 on {}: {}", ctx.currentRoute() == null ? "?" : ctx.currentRoute().getPath(), why);
    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"tokenwarden\"");
    error(ctx, 401, "unauthorized");
  }

  // ------------------------------------------------------------------ handlers

  private void ticket(RoutingContext ctx) {
    Principal p = ctx.get(PRINCIPAL);
    SseTickets.Ticket t = tickets.issue(p);
    json(ctx, 200, g -> {
      g.writeStringField("ticket", t.value());
      g.writeStringField("tenant", p.tenant());
      g.writeStringField("expiresAt", t.expiresAt().toString());
    });
  }

  private void connection(RoutingContext ctx) {
    Principal p = ctx.get(PRINCIPAL);
    String id = pathId(ctx, "id");
    if (id == null) {
      return;
    }
    Optional<StatusView> v = index.get().get(id).filter(s -> p.tenant().equals(s.tenantId()));
    if (v.isEmpty()) {
      error(ctx, 404, "not_found");
      return;
    }
    ctx.response().setStatusCode(200).putHeader("Content-Type", "application/json")
        .end(Buffer.buffer(StatusJson.of(v.get())));
  }

  private void refresh(RoutingContext ctx) {
    Principal p = ctx.get(PRINCIPAL);
    String id = pathId(ctx, "id");
    if (id == null) {
      return;
    }
    if (index.get().get(id).filter(s -> p.tenant().equals(s.tenantId())).isEmpty()) {
      error(ctx, 404, "not_found");
      return;
    }
    Context context = ctx.vertx().getOrCreateContext();
    CompletionStage<?> sent;
    try {
      sent = refreshes.request(id, p.subject().isEmpty() ? "status-gateway" : p.subject());
    } catch (RuntimeException e) {
      log.error("refresh request for connection {} not published: {}", id, e.toString());
      error(ctx, 503, "unavailable");
      return;
    }
    sent.whenComplete((ok, e) -> context.runOnContext(v -> {
      if (e != null) {
        log.error("refresh request for connection {} not published: {}", id, e.toString());
        error(ctx, 503, "unavailable");
      } else {
        json(ctx, 202, g -> {
          g.writeStringField("connectionId", id);
          g.writeStringField("status", "requested");
        });
      }
    }));
  }

  private void list(RoutingContext ctx) {
    String tenant = ownTenant(ctx);
    if (tenant == null) {
      return;
    }
    Optional<String> attention = single(ctx, "attention");
    Optional<String> provider = attention == null ? null : single(ctx, "provider");
    Optional<String> cursor = provider == null ? null : single(ctx, "cursor");
    Optional<String> limit = cursor == null ? null : single(ctx, "limit");
    if (limit == null) {
      return;
    }
    if (attention.isPresent() && !attention.get().equals("true") && !attention.get().equals("false")) {
      badRequest(ctx, "attention: expected true or false");
      return;
    }
    if (provider.isPresent() && (provider.get().length() > MAX_PROVIDER || provider.get().isBlank())) {
      badRequest(ctx, "provider: 1 to " + MAX_PROVIDER + " characters");
      return;
    }
    Cursor after = null;
    if (cursor.isPresent()) {
      after = Cursor.decode(cursor.get()).orElse(null);
      if (after == null) {
        badRequest(ctx, "cursor: not a cursor from this API");
        return;
      }
    }
    int n = DEFAULT_LIMIT;
    if (limit.isPresent()) {
      try {
        n = limit.get().length() > 4 ? -1 : Integer.parseInt(limit.get());
      } catch (NumberFormatException e) {
        n = -1;
      }
      if (n < 1 || n > MAX_LIMIT) {
        badRequest(ctx, "limit: 1 to " + MAX_LIMIT);
        return;
      }
    }
    StatusIndex.Page page = index.get().list(tenant, attention.map(Boolean::valueOf).orElse(null),
        provider.orElse(null), after, n, SCAN_BUDGET);
    json(ctx, 200, g -> {
      g.writeArrayFieldStart("connections");
      for (StatusView v : page.statuses()) {
        StatusJson.write(g, v);
      }
      g.writeEndArray();
      g.writeStringField("nextCursor", page.next().map(Cursor::encode).orElse(null));
    });
  }

  private void events(RoutingContext ctx) {
    String tenant = ownTenant(ctx);
    if (tenant == null) {
      return;
    }
    Optional<String> queryId = single(ctx, "lastEventId");
    if (queryId == null) {
      return;
    }
    String lastEventId = Optional.ofNullable(ctx.request().getHeader("Last-Event-ID")).or(() -> queryId).orElse(null);
    if (lastEventId != null && lastEventId.length() > EventPosition.MAX_LENGTH) {
      badRequest(ctx, "Last-Event-ID: at most " + EventPosition.MAX_LENGTH + " characters");
      return;
    }
    StatusIndex idx = index.get();
    if (metrics.clients() >= config.maxClients() || idx.subscribers(tenant) >= config.maxClientsPerTenant()) {
      ctx.response().putHeader("Retry-After", "5");
      error(ctx, 503, "too_many_clients");
      return;
    }
    Principal p = ctx.get(PRINCIPAL);
    OpsServer.untimed(ctx);
    Optional<long[]> from = lastEventId == null ? Optional.empty()
        : EventPosition.parse(lastEventId, idx.epoch(), idx.partitions());
    SseSession session = new SseSession(ctx.vertx(), ctx.request(), tenant, idx, metrics, config.clientQueue(),
        config.clientBufferBytes(), from.orElse(null));
    sessions.add(session);
    ctx.response().endHandler(v -> sessions.remove(session));
    ctx.response().closeHandler(v -> {
      sessions.remove(session);
      session.close(SseSession.CLIENT_CLOSED);
    });
    session.start(idx.subscribe(tenant, from, session), p.expiresAt(), config.heartbeat());
  }

  // ------------------------------------------------------------------ helpers

  /** The path's tenant if it is the caller's; otherwise answers 400 or 403 and returns null. */
  private String ownTenant(RoutingContext ctx) {
    String tenant = pathId(ctx, "tenant");
    if (tenant == null) {
      return null;
    }
    Principal p = ctx.get(PRINCIPAL);
    if (!p.tenant().equals(tenant)) {
      error(ctx, 403, "forbidden");
      return null;
    }
    return tenant;
  }

  private static String pathId(RoutingContext ctx, String name) {
    String id = ctx.pathParam(name);
    if (id == null || id.isBlank() || id.length() > MAX_ID) {
      badRequest(ctx, name + ": 1 to " + MAX_ID + " characters");
      return null;
    }
    return id;
  }

  /**
   * The query parameter, if given once; answers 400 and returns null if it is given more than once or is
   * longer than any parameter may be.
   */
  private static Optional<String> single(RoutingContext ctx, String name) {
    List<String> values = ctx.queryParam(name);
    if (values.size() > 1) {
      badRequest(ctx, name + ": given more than once");
      return null;
    }
    if (values.isEmpty()) {
      return Optional.empty();
    }
    if (values.get(0).length() > Cursor.MAX_LENGTH) {
      badRequest(ctx, name + ": at most " + Cursor.MAX_LENGTH + " characters");
      return null;
    }
    return Optional.of(values.get(0));
  }

  private static void badRequest(RoutingContext ctx, String detail) {
    json(ctx, 400, g -> {
      g.writeStringField("error", "bad_request");
      g.writeStringField("detail", detail);
    });
  }

  private static void error(RoutingContext ctx, int status, String error) {
    if (ctx.response().ended()) {
      return;
    }
    json(ctx, status, g -> g.writeStringField("error", error));
  }

  private interface Fields {
    void write(JsonGenerator g) throws IOException;
  }

  private static void json(RoutingContext ctx, int status, Fields fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = StatusJson.generator(out)) {
      g.writeStartObject();
      fields.write(g);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(Buffer.buffer(out.toByteArray()));
  }

  private void pageFile(RoutingContext ctx, String file) {
    if (!PAGE_FILES.contains(file)) {
      ctx.response().setStatusCode(404).putHeader("Content-Type", "text/plain; charset=utf-8").end("not found\n");
      return;
    }
    String type = file.endsWith(".html") ? "text/html; charset=utf-8"
        : file.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
    ctx.response().putHeader("Content-Type", type)
        .putHeader("Content-Security-Policy", PAGE_CSP)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Frame-Options", "DENY")
        .putHeader("Cache-Control", "no-cache")
        .end(page.get(file));
  }

  private static Buffer resource(String name) {
    try (InputStream in = GatewayRoutes.class.getResourceAsStream("/io/tokenwarden/gateway/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
