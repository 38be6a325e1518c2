package io.tokenwarden.worker;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.sealing.Keysets;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.schema.TokenRefreshed;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Many connections at once against a slow provider: nothing lost or doubled, order kept, rate limit kept. */
class ConcurrencyIT {

  private static final WireMockServer stub = new WireMockServer(WireMockConfiguration.options().dynamicPort()
      .containerThreads(200).asynchronousResponseEnabled(true).asynchronousResponseThreads(50));
  private static final CredentialSealer sealer = new CredentialSealer(Keysets.generate());

  @BeforeAll
  static void startStub() {
    stub.start();
  }

  @AfterAll
  static void stopStub() {
    stub.stop();
  }

  @BeforeEach
  void reset() {
    stub.resetAll();
    stub.stubFor(post("/load/token").willReturn(okJson(
        "{\"access_token\": \"new-access\", \"token_type\": \"Bearer\", \"expires_in\": 3600}").withFixedDelay(50)));
  }

  private static WorkerConfig config(String maxRps) {
    Map<String, String> vars = new HashMap<>();
    vars.put("TOKENWARDEN_PROVIDER_LOAD_TYPE", "oauth2");
    vars.put("TOKENWARDEN_PROVIDER_LOAD_CLIENT_ID", "load-client");
    vars.put("TOKENWARDEN_PROVIDER_LOAD_CLIENT_SECRET", "load-secret");
    vars.put("TOKENWARDEN_PROVIDER_LOAD_TOKEN_URL", stub.baseUrl() + "/load/token");
    vars.put("TOKENWARDEN_PROVIDER_LOAD_MAX_RPS", maxRps);
    vars.put("TOKENWARDEN_PROVIDER_LOAD_RATE_LIMIT_WAIT", "PT60S");
    vars.put("TOKENWARDEN_WORKER_TRANSACTIONAL_ID", "worker-it-load-" + UUID.randomUUID());
    vars.put("TOKENWARDEN_WORKER_GROUP_ID", "worker-it-load-" + UUID.randomUUID());
    return WorkerConfig.of(vars);
  }

  /** Sends {@code perConnection} commands to each of {@code connections}, interleaved, attempts 1..n in order. */
  private static void send(BrokerFixture kafka, int connections, int perConnection) {
    for (int attempt = 1; attempt <= perConnection; attempt++) {
      for (int c = 0; c < connections; c++) {
        String connection = "conn-" + c;
        kafka.send(Commands.command(sealer, connection, "load", "access-" + connection,
            "rt-" + connection + "-" + attempt, 1, attempt));
      }
    }
    kafka.flush();
  }

  /** Refresh tokens the stub received, per connection, in arrival order. */
  private static Map<String, List<Integer>> requestsByConnection() {
    List<ServeEvent> events = new ArrayList<>(stub.getAllServeEvents());
    events.sort(Comparator.comparing(e -> e.getRequest().getLoggedDate()));
    Map<String, List<Integer>> byConnection = new LinkedHashMap<>();
    for (ServeEvent e : events) {
      String body = URLDecoder.decode(e.getRequest().getBodyAsString(), StandardCharsets.UTF_8);
      String token = body.replaceAll(".*refresh_token=(rt-conn-\\d+-\\d+).*", "$1");
      String connection = token.substring(3, token.lastIndexOf('-'));
      byConnection.computeIfAbsent(connection, k -> new ArrayList<>())
          .add(Integer.parseInt(token.substring(token.lastIndexOf('-') + 1)));
    }
    return byConnection;
  }

  private static List<Integer> attempts(List<ConsumerRecord<String, TokenLifecycleEvent>> outcomes, String key) {
    return outcomes.stream().filter(r -> r.key().equals(key))
        .map(r -> Integer.parseInt(((TokenRefreshed) r.value().getPayload()).getCommandId().replaceAll(".*-", "")))
        .toList();
  }

  @Test
  void a_thousand_commands_across_a_hundred_connections_complete_once_each_in_order() throws Exception {
    try (BrokerFixture kafka = new BrokerFixture("worker-it-conc.", 6);
        RefreshWorkerRunner worker = RefreshWorkerRunner.start(config("100000"), kafka.topics, kafka.kafkaProps(),
            sealer, new SimpleMeterRegistry())) {
      await().atMost(Duration.ofSeconds(60)).until(worker::isReady);
      long start = System.nanoTime();
      send(kafka, 100, 10);
      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
          .until(() -> kafka.outcomes().size() >= 1000);
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("concurrency: 1000 commands, 100 connections, 50 ms provider latency: %.2f s, %.0f/s%n",
          seconds, 1000 / seconds);

      await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> kafka.outcomes().size() == 1000);
      List<ConsumerRecord<String, TokenLifecycleEvent>> outcomes = kafka.outcomes();
      assertThat(RefreshWorkerIT.commandIds(outcomes)).doesNotHaveDuplicates().hasSize(1000);
      List<Integer> inOrder = IntStream.rangeClosed(1, 10).boxed().toList();
      for (int c = 0; c < 100; c++) {
        assertThat(attempts(outcomes, "conn-" + c)).as("published order of conn-%d", c).isEqualTo(inOrder);
      }
      Map<String, List<Integer>> requests = requestsByConnection();
      assertThat(requests).hasSize(100);
      requests.forEach((connection, seq) -> assertThat(seq).as("call order of %s", connection).isEqualTo(inOrder));
    }
  }

  @Test
  void the_rate_limit_is_never_exceeded_at_the_provider() throws Exception {
    int maxRps = 100;
    try (BrokerFixture kafka = new BrokerFixture("worker-it-rate.", 6);
        RefreshWorkerRunner worker = RefreshWorkerRunner.start(config(Integer.toString(maxRps)), kafka.topics,
            kafka.kafkaProps(), sealer, new SimpleMeterRegistry())) {
      await().atMost(Duration.ofSeconds(60)).until(worker::isReady);
      send(kafka, 50, 8);
      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
          .until(() -> kafka.outcomes().size() >= 400);

      List<Long> arrivals = stub.getAllServeEvents().stream().map(e -> e.getRequest().getLoggedDate().getTime())
          .sorted().collect(Collectors.toList());
      assertThat(arrivals).hasSize(400);
      int worst = 0;
      for (int i = 0, j = 0; i < arrivals.size(); i++) {
        while (arrivals.get(i) - arrivals.get(j) >= 1000) {
          j++;
        }
        worst = Math.max(worst, i - j + 1);
      }
      double seconds = (arrivals.get(arrivals.size() - 1) - arrivals.get(0)) / 1000.0;
      System.out.printf("rate limit %d/s: 400 calls over %.2f s, busiest 1-second window %d calls%n", maxRps,
          seconds, worst);
      assertThat(worst).as("calls in the busiest sliding second").isLessThanOrEqualTo(maxRps);
      assertThat(worst).as("the limit is actually reached").isGreaterThan(maxRps / 2);
    }
  }
}
