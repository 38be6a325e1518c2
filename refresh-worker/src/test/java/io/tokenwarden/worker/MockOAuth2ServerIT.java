package io.tokenwarden.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.sealing.Keysets;
import io.tokenwarden.runtime.sealing.TokenCredentials;
import io.tokenwarden.schema.TokenRefreshed;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import org.junit.jupiter.api.Test;

/** A real OAuth2 server (mock-oauth2-server) configured as a generic provider: the refresh succeeds. */
class MockOAuth2ServerIT {

  @Test
  void a_generic_oauth2_provider_is_refreshed_at_a_real_oauth2_server() throws Exception {
    MockOAuth2Server server = new MockOAuth2Server();
    server.start();
    CredentialSealer sealer = new CredentialSealer(Keysets.generate());
    try (BrokerFixture kafka = new BrokerFixture("worker-it-nav.", 2)) {
      WorkerConfig config = WorkerConfig.of(Map.of(
          "TOKENWARDEN_PROVIDER_SANDBOX_TYPE", "oauth2",
          "TOKENWARDEN_PROVIDER_SANDBOX_TOKEN_URL", server.tokenEndpointUrl("sandbox").toString(),
          "TOKENWARDEN_PROVIDER_SANDBOX_CLIENT_ID", "tokenwarden",
          "TOKENWARDEN_PROVIDER_SANDBOX_CLIENT_SECRET", "sandbox-secret",
          "TOKENWARDEN_PROVIDER_SANDBOX_CLIENT_AUTH", "basic",
          "TOKENWARDEN_WORKER_TRANSACTIONAL_ID", "worker-it-nav-" + UUID.randomUUID(),
          "TOKENWARDEN_WORKER_GROUP_ID", "worker-it-nav-" + UUID.randomUUID()));
      try (RefreshWorkerRunner worker = RefreshWorkerRunner.start(config, kafka.topics, kafka.kafkaProps(), sealer,
          new SimpleMeterRegistry())) {
        Instant before = Instant.now();
        kafka.send(Commands.command(sealer, "conn-sandbox", "sandbox", "old-access", "sandbox-refresh-1", 2, 1));
        kafka.flush();
        await().atMost(Duration.ofSeconds(60)).until(() -> !kafka.outcomes().isEmpty());

        TokenRefreshed refreshed = (TokenRefreshed) kafka.outcomes().get(0).value().getPayload();
        assertThat(refreshed.getGeneration()).isEqualTo(2);
        assertThat(refreshed.getExpiresAt()).isAfter(before.plusSeconds(60));
        TokenCredentials creds = sealer.open("conn-sandbox", refreshed.getCredentials());
        assertThat(creds.accessToken()).isNotEqualTo("old-access").contains(".");
        assertThat(creds.refreshToken()).isPresent();
        assertThat(server.takeRequest().getBody().readUtf8()).contains("grant_type=refresh_token");
      }
    } finally {
      server.shutdown();
    }
  }
}
