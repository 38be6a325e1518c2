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
