package io.tokenwarden.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.tokenwarden.producer.IssuedToken;
import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.RefreshFailed;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.schema.TokenRefreshed;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two other measured defects, on the real broker with the stream and the worker, for two minutes, with the
 * default policy of a generic OAuth2 provider:
 * <ul>
 *   <li>{@code flaky}, a provider (WireMock) that answers 503 to every refresh, and a token issued with 14 s to
 *       live: it expired, and its "!" came and went with every retry, two status records per retry;</li>
 *   <li>{@code storm}, a real OAuth2 server ({@code mock-oauth2-server}) that issues 60-second tokens: every new
 *       token was already inside its refresh window, 453 refreshes in 40 seconds.</li>
 * </ul>
 * Both run at once; each test checks one of them.
 */
class RetryLoopAndShortTokensIT {

  private static final Duration WINDOW = Duration.ofMinutes(2);

  private static WireMockServer flaky;
  private static MockOAuth2Server storm;
  private static RunningSystem system;

  @BeforeAll
  static void playBothStories(@TempDir Path dataDir) throws Exception {
    flaky = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    flaky.start();
    flaky.stubFor(post("/token").willReturn(aResponse().withStatus(503)
        .withHeader("Content-Type", "application/json").withBody("{\"error\":\"temporarily_unavailable\"}")));
    // Sixty seconds for every token of issuer "storm", the refreshed ones included.
    storm = new MockOAuth2Server(new OAuth2Config(false, null, null, false, new OAuth2TokenProvider(),
        Set.of(new DefaultOAuth2TokenCallback("storm", "user", "JWT", List.of(), Map.of(), 60))));
    storm.start(0);

    Map<String, String> env = new HashMap<>();
    env.putAll(provider("FLAKY", flaky.baseUrl() + "/token"));
    env.putAll(provider("STORM", storm.tokenEndpointUrl("storm").toString()));
    // Retries come quickly, so that two minutes hold many of them.
    env.put("TOKENWARDEN_POLICY_FLAKY_MIN_REFRESH_INTERVAL", "PT1S");
    env.put("TOKENWARDEN_RETRY_BACKOFF", "PT1S");
    env.put("TOKENWARDEN_RETRY_BACKOFF_MAX", "PT2S");
    system = new RunningSystem("retry-loop-it", dataDir, env).start(true, true);

    try (var publisher = system.publisher()) {
      publisher.issued(token("flaky-1", "flaky", 14)).get(30, TimeUnit.SECONDS);
      publisher.issued(token("storm-1", "storm", 60)).get(30, TimeUnit.SECONDS);
    }
    Instant published = Instant.now();
    // The window itself is what is observed: wait until it has passed and both stories have played.
    await().atMost(WINDOW.plusMinutes(1)).pollInterval(Duration.ofSeconds(1)).until(() ->
        Duration.between(published, Instant.now()).compareTo(WINDOW) >= 0
            && !system.statuses("flaky-1").isEmpty() && !system.statuses("storm-1").isEmpty());
  }

  @AfterAll
  static void stop() {
    if (system != null) {
      system.close();
    }
    if (flaky != null) {
      flaky.stop();
    }
    if (storm != null) {
      storm.shutdown();
    }
  }

  private static Map<String, String> provider(String id, String tokenUrl) {
    return Map.of(
        "TOKENWARDEN_PROVIDER_" + id + "_TYPE", "oauth2",
        "TOKENWARDEN_PROVIDER_" + id + "_TOKEN_URL", tokenUrl,
        "TOKENWARDEN_PROVIDER_" + id + "_CLIENT_ID", "tokenwarden-it",
        "TOKENWARDEN_PROVIDER_" + id + "_CLIENT_SECRET", "it-secret-" + id.toLowerCase());
  }

  private static IssuedToken token(String connection, String provider, long expiresIn) {
    return new IssuedToken(connection, Optional.empty(), provider, "acct-" + connection, "access-" + connection,
        Optional.of("refresh-" + connection), "Bearer", Optional.of(Instant.now().plusSeconds(expiresIn)),
        Optional.empty(), List.of());
  }

  @Test
  void aProviderThatAnswers503ToEveryRefreshLeavesTheTokenExpiredWithTheMarkInAFewStatusRecords() {
    List<TokenLifecycleEvent> failures = system.lifecycle("flaky-1").stream()
        .filter(e -> e.getPayload() instanceof RefreshFailed).toList();
    assertThat(failures.size()).as("retries went on for the whole window").isGreaterThanOrEqualTo(10);
    assertThat(flaky.findAll(postRequestedFor(urlEqualTo("/token")))).isNotEmpty();

    List<ConnectionStatus> statuses = system.statuses("flaky-1");
    ConnectionStatus last = statuses.get(statuses.size() - 1);
    assertThat(last.getState()).isEqualTo(ConnectionState.EXPIRED);
    assertThat(last.getAttention()).isTrue();
    assertThat(last.getRefreshing()).as("the retries, as a detail").isTrue();
    // CONNECTED, REFRESHING, DEGRADED, EXPIRING, EXPIRED: each change once, none per retry.
    assertThat(statuses).as("%s", statuses).hasSizeLessThanOrEqualTo(5);
    assertThat(statuses.stream().filter(s -> s.getState() == ConnectionState.EXPIRED)).hasSize(1);
  }

  @Test
  void sixtySecondTokensAreRefreshedAHandfulOfTimesInTwoMinutesNeverInALoopAndNeverWithTheMark() {
    List<TokenLifecycleEvent> renewals = system.lifecycle("storm-1").stream()
        .filter(e -> e.getPayload() instanceof TokenRefreshed).toList();
    // At half of each minute-long token: about four in two minutes.
    assertThat(renewals.size()).as("renewals in %s", WINDOW).isBetween(2, 6);
    for (int i = 1; i < renewals.size(); i++) {
      assertThat(Duration.between(renewals.get(i - 1).getOccurredAt(), renewals.get(i).getOccurredAt()))
          .as("time between renewals").isGreaterThan(Duration.ofSeconds(20));
    }
    List<ConnectionStatus> statuses = system.statuses("storm-1");
    assertThat(statuses).isNotEmpty().allSatisfy(s -> assertThat(s.getAttention()).as("%s", s).isFalse());
    ConnectionStatus last = statuses.get(statuses.size() - 1);
    assertThat(last.getExpiresAt()).isAfter(Instant.now());
    assertThat(system.expiryEvents("storm-1")).as("no warning and no expiry").isEmpty();
  }
}
