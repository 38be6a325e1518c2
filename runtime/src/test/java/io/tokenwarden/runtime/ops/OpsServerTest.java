package io.tokenwarden.runtime.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class OpsServerTest {

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesPrometheusTextAndHealthThatFollowsTheChecks() throws Exception {
    var registry = OpsMetrics.newRegistry("test-app");
    Counter.builder("tokenwarden.dead.letters").tag("reason", "undecodable").register(registry).increment();
    AtomicBoolean ready = new AtomicBoolean(false);
    try (OpsServer server = OpsServer.start(0, registry, () -> Health.Status.up("poll loop running"),
        () -> ready.get() ? Health.Status.up("RUNNING") : Health.Status.down("REBALANCING"))) {
      var metrics = get(server.port(), "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
      assertThat(metrics.body())
          .contains("tokenwarden_dead_letters_total{application=\"test-app\",reason=\"undecodable\"} 1.0")
          .contains("jvm_memory_used_bytes");
      assertThat(get(server.port(), "/health/live").statusCode()).isEqualTo(200);
      var notReady = get(server.port(), "/health/ready");
      assertThat(notReady.statusCode()).isEqualTo(503);
      assertThat(notReady.body()).contains("DOWN REBALANCING");
      ready.set(true);
      assertThat(get(server.port(), "/health/ready").statusCode()).isEqualTo(200);
      assertThat(get(server.port(), "/nope").statusCode()).isEqualTo(404);
    }
  }

  @Test
  void mountedRoutesShareThePortAndEveryAnsweredRequestIsTimedByRouteAndStatus() throws Exception {
    var registry = OpsMetrics.newRegistry("test-app");
    HttpRoutes hello = (vertx, router) -> router.get("/hello/:name").handler(OpsServer.named("/hello/{name}"))
        .handler(ctx -> ctx.response().end("hi " + ctx.pathParam("name")));
    try (OpsServer server = OpsServer.start(0, registry, () -> Health.Status.up("ok"), () -> Health.Status.up("ok"),
        java.util.List.of(hello))) {
      assertThat(get(server.port(), "/hello/ann").body()).isEqualTo("hi ann");
      assertThat(get(server.port(), "/hello/bob").statusCode()).isEqualTo(200);
      assertThat(get(server.port(), "/nope").statusCode()).isEqualTo(404);
      String metrics = get(server.port(), "/metrics").body();
      assertThat(metrics).contains(
          "tokenwarden_http_requests_seconds_count{application=\"test-app\",method=\"GET\",route=\"/hello/{name}\",status=\"200\"} 2",
          "route=\"unmatched\",status=\"404\"} 1");
    }
  }

  @Test
  void anOverlongRequestLineOrHeaderIsRefusedBeforeAnyHandler() throws Exception {
    var registry = OpsMetrics.newRegistry("test-app");
    try (OpsServer server = OpsServer.start(0, registry, () -> Health.Status.up("ok"), () -> Health.Status.up("ok"))) {
      var longPath = get(server.port(), "/health/live?x=" + "a".repeat(OpsServer.MAX_REQUEST_LINE));
      assertThat(longPath.statusCode()).isEqualTo(414);
      var bigHeader = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + "/health/live"))
          .header("X-Big", "b".repeat(OpsServer.MAX_HEADER_SIZE)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(bigHeader.statusCode()).isEqualTo(431);
    }
  }

  @Test
  void aThrowingCheckIsDownNotAServerError() throws Exception {
    var registry = OpsMetrics.newRegistry("test-app");
    try (OpsServer server = OpsServer.start(0, registry, () -> {
      throw new IllegalStateException("boom");
    }, () -> Health.Status.up("ok"))) {
      var live = get(server.port(), "/health/live");
      assertThat(live.statusCode()).isEqualTo(503);
      assertThat(live.body()).contains("IllegalStateException");
    }
  }
}
