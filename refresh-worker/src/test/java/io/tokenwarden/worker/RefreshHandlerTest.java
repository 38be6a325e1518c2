package io.tokenwarden.worker;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.sealing.Keysets;
import io.tokenwarden.runtime.sealing.TokenCredentials;
import io.tokenwarden.schema.FailureKind;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.RefreshFailed;
import io.tokenwarden.schema.TokenRefreshed;
import io.tokenwarden.worker.outcome.RefreshOutcome.Failed;
import io.tokenwarden.worker.outcome.RefreshOutcome.Refreshed;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every provider against a WireMock stub that answers with the provider's documented response shapes (sources in
 * PROVIDERS.md), through the whole per-command path: open, call, classify, seal.
 */
class RefreshHandlerTest {

  private static final WireMockServer stub = new WireMockServer(WireMockConfiguration.options().dynamicPort());
  private static final CredentialSealer sealer = new CredentialSealer(Keysets.generate());

  private SimpleMeterRegistry registry;
  private RefreshHandler handler;

  @BeforeAll
  static void startStub() throws Exception {
    stub.start();
    // The first request to a fresh Jetty is slow on a busy machine; keep it out of the timed tests.
    var connection = (java.net.HttpURLConnection) java.net.URI.create(stub.baseUrl() + "/warm-up").toURL()
        .openConnection();
    assertThat(connection.getResponseCode()).isEqualTo(404);
    connection.disconnect();
  }

  @AfterAll
  static void stopStub() {
    stub.stop();
  }

  @BeforeEach
  void setUp() {
    stub.resetAll();
    registry = new SimpleMeterRegistry();
    Map<String, String> vars = new HashMap<>();
    for (String p : new String[] {"youtube", "linkedin", "instagram", "x", "tiktok", "pinterest", "acme"}) {
      String key = "TOKENWARDEN_PROVIDER_" + Env.envKey(p);
      vars.put(key + "_CLIENT_ID", p + "-client");
      vars.put(key + "_CLIENT_SECRET", p + "-secret");
      vars.put(key + "_TOKEN_URL", stub.baseUrl() + "/" + p + "/token");
      vars.put(key + "_TIMEOUT", p.equals("youtube") ? "PT0.5S" : "PT3S");
      vars.put(key + "_MAX_RPS", "1000");
    }
    vars.put("TOKENWARDEN_PROVIDER_ACME_TYPE", "oauth2");
    vars.put("TOKENWARDEN_PROVIDER_ACME_CLIENT_AUTH", "post");
    vars.put("TOKENWARDEN_PROVIDER_ACME_SCOPE", "read write");
    vars.put("TOKENWARDEN_PROVIDER_YOUTUBE_CIRCUIT_MIN_CALLS", "2");
    WorkerMetrics metrics = new WorkerMetrics(registry);
    handler = new RefreshHandler(new ProviderClients(Env.of(vars), Clock.systemUTC(), metrics, Map.of()), sealer,
        metrics, Clock.systemUTC());
  }

  private RefreshHandler.Handled refresh(String provider, String refreshToken) {
    return refresh(provider, refreshToken, false);
  }

  private RefreshHandler.Handled refresh(String provider, String refreshToken, boolean possiblyDeliveredBefore) {
    RefreshCommand command = Commands.command(sealer, "conn-1", provider, "old-access-token-1", refreshToken, 3, 1);
    return handler.handle(command, possiblyDeliveredBefore);
  }

  private static TokenCredentials opened(RefreshHandler.Handled handled) {
    TokenRefreshed refreshed = (TokenRefreshed) handled.event().getPayload();
    return sealer.open("conn-1", refreshed.getCredentials());
  }

  private static String basic(String id, String secret) {
    return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  // --- success shapes, per provider ---

  @Test
  void google_refreshes_with_basic_auth_and_keeps_the_old_refresh_token_when_none_comes_back() {
    stub.stubFor(post("/youtube/token").willReturn(okJson("""
        {"access_token": "new-google-access", "expires_in": 3599, "scope": "https://www.googleapis.com/auth/youtube",
         "token_type": "Bearer"}""")));
    Instant before = Instant.now();
    RefreshHandler.Handled handled = refresh("youtube", "google-refresh-1");

    assertThat(handled.outcome()).isInstanceOf(Refreshed.class);
    TokenRefreshed refreshed = (TokenRefreshed) handled.event().getPayload();
    assertThat(refreshed.getGeneration()).isEqualTo(3);
    assertThat(refreshed.getCommandId()).isEqualTo("cmd-conn-1-3-1");
    assertThat(refreshed.getExpiresAt()).isCloseTo(before.plusSeconds(3599), within(5, ChronoUnit.SECONDS));
    assertThat(refreshed.getRefreshTokenExpiresAt()).isNull();
    TokenCredentials creds = opened(handled);
    assertThat(creds.accessToken()).isEqualTo("new-google-access");
    assertThat(creds.refreshToken()).contains("google-refresh-1");
    stub.verify(postRequestedFor(urlEqualTo("/youtube/token"))
        .withHeader("Authorization", equalTo(basic("youtube-client", "youtube-secret")))
        .withRequestBody(containing("grant_type=refresh_token"))
        .withRequestBody(containing("refresh_token=google-refresh-1")));
  }

  @Test
  void google_reads_refresh_token_expires_in_for_time_limited_grants() {
    stub.stubFor(post("/youtube/token").willReturn(okJson("""
        {"access_token": "a", "expires_in": 3599, "refresh_token_expires_in": 604799, "token_type": "Bearer"}""")));
    Instant before = Instant.now();
    TokenRefreshed refreshed = (TokenRefreshed) refresh("youtube", "r").event().getPayload();
    assertThat(refreshed.getRefreshTokenExpiresAt()).isCloseTo(before.plusSeconds(604799), within(5, ChronoUnit.SECONDS));
  }

  @Test
  void linkedin_sends_client_credentials_in_the_body_and_reads_refresh_token_expires_in() {
    stub.stubFor(post("/linkedin/token").willReturn(okJson("""
        {"access_token": "new-li-access", "expires_in": 5183999, "refresh_token": "li-refresh-1",
         "refresh_token_expires_in": 31535999, "scope": "r_basicprofile"}""")));
    Instant before = Instant.now();
    RefreshHandler.Handled handled = refresh("linkedin", "li-refresh-1");

    TokenRefreshed refreshed = (TokenRefreshed) handled.event().getPayload();
    assertThat(refreshed.getExpiresAt()).isCloseTo(before.plusSeconds(5183999), within(5, ChronoUnit.SECONDS));
    assertThat(refreshed.getRefreshTokenExpiresAt()).isCloseTo(before.plusSeconds(31535999), within(5, ChronoUnit.SECONDS));
    assertThat(opened(handled).accessToken()).isEqualTo("new-li-access");
    stub.verify(postRequestedFor(urlEqualTo("/linkedin/token"))
        .withoutHeader("Authorization")
        .withRequestBody(containing("client_id=linkedin-client"))
        .withRequestBody(containing("client_secret=linkedin-secret"))
        .withRequestBody(containing("grant_type=refresh_token")));
  }

  @Test
  void instagram_refreshes_the_access_token_itself_with_a_get() {
    stub.stubFor(get(urlPathEqualTo("/instagram/token")).willReturn(okJson("""
        {"access_token": "new-ig-access", "token_type": "bearer", "expires_in": 5183944}""")));
    RefreshCommand command = Commands.command(sealer, "conn-1", "instagram", "old-ig-access", null, 1, 1);
    RefreshHandler.Handled handled = handler.handle(command, false);

    assertThat(handled.outcome()).isInstanceOf(Refreshed.class);
    TokenCredentials creds = opened(handled);
    assertThat(creds.accessToken()).isEqualTo("new-ig-access");
    assertThat(creds.refreshToken()).isEmpty();
    stub.verify(getRequestedFor(urlPathEqualTo("/instagram/token"))
        .withQueryParam("grant_type", equalTo("ig_refresh_token"))
        .withQueryParam("access_token", equalTo("old-ig-access")));
  }

  @Test
  void x_uses_basic_auth_and_stores_the_rotated_refresh_token() {
    stub.stubFor(post("/x/token").willReturn(okJson("""
        {"token_type": "bearer", "expires_in": 7200, "access_token": "new-x-access",
         "scope": "tweet.read users.read offline.access", "refresh_token": "x-refresh-2"}""")));
    RefreshHandler.Handled handled = refresh("x", "x-refresh-1");

    TokenCredentials creds = opened(handled);
    assertThat(creds.accessToken()).isEqualTo("new-x-access");
    assertThat(creds.refreshToken()).contains("x-refresh-2");
    stub.verify(postRequestedFor(urlEqualTo("/x/token"))
        .withHeader("Authorization", equalTo(basic("x-client", "x-secret")))
        .withRequestBody(containing("refresh_token=x-refresh-1"))
        .withRequestBody(containing("grant_type=refresh_token")));
  }

  @Test
  void tiktok_sends_client_key_not_client_id_and_reads_refresh_expires_in() {
    stub.stubFor(post("/tiktok/token").willReturn(okJson("""
        {"access_token": "act.new", "expires_in": 86400, "open_id": "open-1", "refresh_expires_in": 31536000,
         "refresh_token": "rft.new", "scope": "user.info.basic,video.list", "token_type": "Bearer"}""")));
    Instant before = Instant.now();
    RefreshHandler.Handled handled = refresh("tiktok", "rft.old");

    TokenRefreshed refreshed = (TokenRefreshed) handled.event().getPayload();
    assertThat(refreshed.getRefreshTokenExpiresAt()).isCloseTo(before.plusSeconds(31536000), within(5, ChronoUnit.SECONDS));
    assertThat(opened(handled).refreshToken()).contains("rft.new");
    stub.verify(postRequestedFor(urlEqualTo("/tiktok/token"))
        .withoutHeader("Authorization")
        .withRequestBody(containing("client_key=tiktok-client"))
        .withRequestBody(containing("client_secret=tiktok-secret"))
        .withRequestBody(WireMock.notContaining("client_id="))
        .withRequestBody(containing("refresh_token=rft.old")));
  }

  @Test
  void pinterest_v5_uses_basic_auth() {
    stub.stubFor(post("/pinterest/token").willReturn(okJson("""
        {"access_token": "pina_new", "refresh_token": "pinr_new", "response_type": "refresh_token",
         "token_type": "bearer", "expires_in": 2592000, "refresh_token_expires_in": 5184000,
         "scope": "boards:read pins:read"}""")));
    RefreshHandler.Handled handled = refresh("pinterest", "pinr_old");

    assertThat(opened(handled).accessToken()).isEqualTo("pina_new");
    assertThat(((TokenRefreshed) handled.event().getPayload()).getRefreshTokenExpiresAt()).isNotNull();
    stub.verify(postRequestedFor(urlEqualTo("/pinterest/token"))
        .withHeader("Authorization", equalTo(basic("pinterest-client", "pinterest-secret")))
        .withRequestBody(containing("grant_type=refresh_token")));
  }

  @Test
  void generic_oauth2_uses_the_configured_client_auth_and_scope() {
    stub.stubFor(post("/acme/token").willReturn(okJson("""
        {"access_token": "acme-new", "token_type": "Bearer", "expires_in": "600"}""")));
    Instant before = Instant.now();
    RefreshHandler.Handled handled = refresh("acme", "acme-refresh");

    assertThat(((TokenRefreshed) handled.event().getPayload()).getExpiresAt())
        .isCloseTo(before.plusSeconds(600), within(5, ChronoUnit.SECONDS));
    stub.verify(postRequestedFor(urlEqualTo("/acme/token"))
        .withRequestBody(containing("client_id=acme-client"))
        .withRequestBody(containing("client_secret=acme-secret"))
        .withRequestBody(containing("scope=read%20write")));
  }

  // --- failures ---

  @ParameterizedTest
  @ValueSource(strings = {"youtube", "linkedin", "x", "tiktok", "pinterest", "acme"})
  void invalid_grant_is_permanent(String provider) {
    stub.stubFor(post("/" + provider + "/token").willReturn(aResponse().withStatus(400)
        .withHeader("Content-Type", "application/json")
        .withBody("{\"error\": \"invalid_grant\", \"error_description\": \"Token has been expired or revoked.\"}")));
    RefreshHandler.Handled handled = refresh(provider, "dead-refresh-token");

    RefreshFailed failed = (RefreshFailed) handled.event().getPayload();
    assertThat(failed.getKind()).isEqualTo(FailureKind.PERMANENT);
    assertThat(failed.getErrorCode()).isEqualTo("invalid_grant");
    assertThat(failed.getErrorDescription()).isEqualTo("Token has been expired or revoked.");
    assertThat(failed.getRetryAfter()).isNull();
    assertThat(failed.getAttempt()).isEqualTo(1);
    assertThat(registry.get(WorkerMetrics.ATTEMPTS).tags("provider", provider, "outcome", "permanent",
        "error", "invalid_grant").counter().count()).isEqualTo(1.0);
  }

  @Test
  void tiktok_errors_answered_with_http_200_are_errors() {
    stub.stubFor(post("/tiktok/token").willReturn(okJson("""
        {"error": "invalid_grant", "error_description": "Refresh token is invalid or expired.", "log_id": "2024"}""")));
    RefreshFailed failed = (RefreshFailed) refresh("tiktok", "rft.old").event().getPayload();
    assertThat(failed.getKind()).isEqualTo(FailureKind.PERMANENT);
    assertThat(failed.getErrorCode()).isEqualTo("invalid_grant");
  }

  @Test
  void invalid_grant_of_a_rotating_token_after_a_possible_earlier_delivery_is_refresh_token_reused() {
    stub.stubFor(post("/x/token").willReturn(aResponse().withStatus(400)
        .withBody("{\"error\": \"invalid_grant\"}")));
    RefreshFailed reused = (RefreshFailed) refresh("x", "x-refresh-1", true).event().getPayload();
    assertThat(reused.getKind()).isEqualTo(FailureKind.PERMANENT);
    assertThat(reused.getErrorCode()).isEqualTo("refresh_token_reused");

    RefreshFailed fresh = (RefreshFailed) refresh("x", "x-refresh-1", false).event().getPayload();
    assertThat(fresh.getErrorCode()).isEqualTo("invalid_grant");
  }

  @Test
  void rate_limited_answers_are_transient_and_honour_retry_after_seconds() {
    stub.stubFor(post("/x/token").willReturn(aResponse().withStatus(429).withHeader("Retry-After", "120")
        .withBody("{\"title\": \"Too Many Requests\", \"status\": 429}")));
    Instant before = Instant.now();
    RefreshFailed failed = (RefreshFailed) refresh("x", "r").event().getPayload();
    assertThat(failed.getKind()).isEqualTo(FailureKind.TRANSIENT);
    assertThat(failed.getErrorCode()).isEqualTo("rate_limited");
    assertThat(failed.getRetryAfter()).isCloseTo(before.plusSeconds(120), within(5, ChronoUnit.SECONDS));
  }

  @Test
  void retry_after_may_be_an_http_date() {
    Instant at = Instant.now().plusSeconds(300).truncatedTo(ChronoUnit.SECONDS);
    String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(at, ZoneOffset.UTC));
    stub.stubFor(post("/tiktok/token").willReturn(aResponse().withStatus(429).withHeader("Retry-After", date)
        .withBody("{\"error\": {\"code\": \"rate_limit_exceeded\", \"message\": \"slow down\", \"log_id\": \"1\"}}")));
    RefreshFailed failed = (RefreshFailed) refresh("tiktok", "r").event().getPayload();
    assertThat(failed.getKind()).isEqualTo(FailureKind.TRANSIENT);
    assertThat(failed.getErrorCode()).isEqualTo("rate_limit_exceeded");
    assertThat(failed.getRetryAfter()).isEqualTo(at);
  }

  @Test
  void service_unavailable_is_transient() {
    stub.stubFor(post("/linkedin/token").willReturn(aResponse().withStatus(503).withBody("<html>down</html>")));
    RefreshFailed failed = (RefreshFailed) refresh("linkedin", "r").event().getPayload();
    assertThat(failed.getKind()).isEqualTo(FailureKind.TRANSIENT);
    assertThat(failed.getErrorCode()).isIn("http_503", "malformed_response");
  }

  @Test
  void service_unavailable_with_a_json_body_is_transient_with_its_retry_after() {
    stub.stubFor(post("/pinterest/token").willReturn(aResponse().withStatus(503).withHeader("Retry-After", "30")
        .withBody("{\"code\": 8, \"message\": \"Service unavailable\"}")));
    RefreshFailed failed = (RefreshFailed) refresh("pinterest", "r").event().getPayload();
    assertThat(failed.getKind()).isEqualTo(FailureKind.TRANSIENT);
    assertThat(failed.getRetryAfter()).isNotNull();
  }

  @Test
  void a_read_timeout_is_transient() {
    stub.stubFor(post("/youtube/token").willReturn(okJson("{\"access_token\": \"late\"}").withFixedDelay(2_000)));
    long start = System.nanoTime();
    RefreshFailed failed = (RefreshFailed) refresh("youtube", "r").event().getPayload();
    assertThat(failed.getKind()).isEqualTo(FailureKind.TRANSIENT);
    assertThat(failed.getErrorCode()).isEqualTo("timeout");
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(1_900);
  }

  @ParameterizedTest
  @ValueSource(strings = {"{not json", "", "{\"token_type\": \"Bearer\"}", "[]"})
  void a_malformed_or_empty_body_is_transient(String body) {
    stub.stubFor(post("/tiktok/token").willReturn(aResponse().withStatus(200).withBody(body)));
    RefreshFailed failed = (RefreshFailed) refresh("tiktok", "r").event().getPayload();
    assertThat(failed.getKind()).isEqualTo(FailureKind.TRANSIENT);
    assertThat(failed.getErrorCode()).isEqualTo("malformed_response");
  }

  @Test
  void instagram_graph_code_190_is_permanent_and_code_4_transient() {
    stub.stubFor(get(urlPathEqualTo("/instagram/token")).willReturn(aResponse().withStatus(400).withBody("""
        {"error": {"message": "Error validating access token", "type": "OAuthException", "code": 190,
         "error_subcode": 463, "fbtrace_id": "Abc"}}""")));
    RefreshFailed permanent = (RefreshFailed) handler.handle(
        Commands.command(sealer, "conn-1", "instagram", "ig", null, 1, 1), false).event().getPayload();
    assertThat(permanent.getKind()).isEqualTo(FailureKind.PERMANENT);
    assertThat(permanent.getErrorCode()).isEqualTo("graph_190");

    stub.stubFor(get(urlPathEqualTo("/instagram/token")).willReturn(aResponse().withStatus(400).withBody("""
        {"error": {"message": "Application request limit reached", "type": "OAuthException", "code": 4}}""")));
    RefreshFailed transientFailure = (RefreshFailed) handler.handle(
        Commands.command(sealer, "conn-1", "instagram", "ig", null, 1, 2), false).event().getPayload();
    assertThat(transientFailure.getKind()).isEqualTo(FailureKind.TRANSIENT);
    assertThat(transientFailure.getErrorCode()).isEqualTo("graph_4");
  }

  @Test
  void invalid_client_is_transient_counted_as_misconfiguration() {
    stub.stubFor(post("/x/token").willReturn(aResponse().withStatus(401)
        .withBody("{\"error\": \"invalid_client\", \"error_description\": \"Missing valid authorization header\"}")));
    RefreshFailed failed = (RefreshFailed) refresh("x", "r").event().getPayload();
    assertThat(failed.getKind()).isEqualTo(FailureKind.TRANSIENT);
    assertThat(failed.getErrorCode()).isEqualTo("invalid_client");
    assertThat(registry.get(WorkerMetrics.MISCONFIGURATIONS).tags("provider", "x", "error", "invalid_client")
        .counter().count()).isEqualTo(1.0);
  }

  @Test
  void facebook_is_never_called_and_answered_not_refreshable() {
    RefreshFailed failed = (RefreshFailed) refresh("facebook", "r").event().getPayload();
    assertThat(failed.getKind()).isEqualTo(FailureKind.PERMANENT);
    assertThat(failed.getErrorCode()).isEqualTo("not_refreshable");
    assertThat(stub.getAllServeEvents()).isEmpty();
  }

  @Test
  void an_unconfigured_provider_is_a_transient_misconfiguration() {
    RefreshFailed failed = (RefreshFailed) refresh("myspace", "r").event().getPayload();
    assertThat(failed.getKind()).isEqualTo(FailureKind.TRANSIENT);
    assertThat(failed.getErrorCode()).isEqualTo("unknown_provider");
  }

  @Test
  void no_refresh_token_is_permanent_without_a_call() {
    RefreshFailed failed = (RefreshFailed) refresh("x", null).event().getPayload();
    assertThat(failed.getKind()).isEqualTo(FailureKind.PERMANENT);
    assertThat(failed.getErrorCode()).isEqualTo("no_refresh_token");
    assertThat(stub.getAllServeEvents()).isEmpty();
  }

  @Test
  void an_open_circuit_answers_transient_with_the_circuits_wait_and_no_call() {
    stub.stubFor(post("/youtube/token").willReturn(aResponse().withStatus(502)));
    refresh("youtube", "r");
    refresh("youtube", "r");
    int calls = stub.getAllServeEvents().size();
    Instant before = Instant.now();
    RefreshFailed failed = (RefreshFailed) refresh("youtube", "r").event().getPayload();
    assertThat(failed.getKind()).isEqualTo(FailureKind.TRANSIENT);
    assertThat(failed.getErrorCode()).isEqualTo("circuit_open");
    assertThat(failed.getRetryAfter()).isCloseTo(before.plusSeconds(30), within(5, ChronoUnit.SECONDS));
    assertThat(stub.getAllServeEvents()).hasSize(calls);
    assertThat(registry.get(WorkerMetrics.CIRCUIT_STATE).tags("provider", "youtube").gauge().value()).isEqualTo(2.0);
  }

  @Test
  void provider_text_echoing_a_token_is_redacted() {
    stub.stubFor(post("/acme/token").willReturn(aResponse().withStatus(400).withBody(
        "{\"error\": \"invalid_grant\", \"error_description\": \"unknown token acme-refresh-SECRET for acme-secret\"}")));
    RefreshHandler.Handled handled = refresh("acme", "acme-refresh-SECRET");
    RefreshFailed failed = (RefreshFailed) handled.event().getPayload();
    assertThat(failed.getErrorDescription()).doesNotContain("acme-refresh-SECRET").doesNotContain("acme-secret")
        .contains("***");
    assertThat(handled.outcome().toString()).doesNotContain("acme-refresh-SECRET");
  }

  @Test
  void the_outcome_never_shows_tokens() {
    stub.stubFor(post("/x/token").willReturn(okJson("""
        {"access_token": "visible-access", "refresh_token": "visible-refresh", "expires_in": 7200}""")));
    RefreshHandler.Handled handled = refresh("x", "x-refresh-1");
    assertThat(handled.outcome().toString()).doesNotContain("visible-access").doesNotContain("visible-refresh");
    assertThat(((Refreshed) handled.outcome()).credentials().refreshToken()).isEqualTo(Optional.of("visible-refresh"));
    assertThat(handled.outcome()).isNotInstanceOf(Failed.class);
  }
}
