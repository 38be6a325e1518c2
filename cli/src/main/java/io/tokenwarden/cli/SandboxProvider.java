package io.tokenwarden.cli;

import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.http.OAuth2HttpResponse;
import no.nav.security.mock.oauth2.http.Route;
import okhttp3.Headers;

/**
 * The demo's stand-in for the social networks: a real OAuth2 server (mock-oauth2-server) on a free local port,
 * configured as two generic OAuth2 providers. {@code sandbox} renews every refresh token it is given;
 * {@code sandbox-revoked} answers every refresh with {@code invalid_grant}, as a provider does after the user
 * revoked the app.
 */
final class SandboxProvider implements AutoCloseable {

  static final String RENEWS = "sandbox";
  static final String REVOKED = "sandbox-revoked";
  /** The demo's client secret at the sandbox; not a real secret, but handled like one. */
  static final String CLIENT_SECRET = "demo-client-secret-5f3a";
  private static final String REVOKED_PATH = "/revoked/token";

  private final MockOAuth2Server server;

  private SandboxProvider(MockOAuth2Server server) {
    this.server = server;
  }

  static SandboxProvider start() {
    Route revoked = new Route.Builder().post(REVOKED_PATH, request -> new OAuth2HttpResponse(
        Headers.of("Content-Type", "application/json;charset=UTF-8"), 400,
        "{\"error\":\"invalid_grant\",\"error_description\":\"The refresh token was revoked by the user\"}",
        null)).build();
    MockOAuth2Server server = new MockOAuth2Server(revoked);
    server.start(0);
    return new SandboxProvider(server);
  }

  /** Provider settings and short policies for both sandbox providers, as environment variables. */
  Map<String, String> env() {
    String renewsUrl = server.tokenEndpointUrl(RENEWS).toString();
    String revokedUrl = server.baseUrl().newBuilder().encodedPath(REVOKED_PATH).build().toString();
    return Map.ofEntries(
        Map.entry("TOKENWARDEN_PROVIDER_SANDBOX_TYPE", "oauth2"),
        Map.entry("TOKENWARDEN_PROVIDER_SANDBOX_TOKEN_URL", renewsUrl),
        Map.entry("TOKENWARDEN_PROVIDER_SANDBOX_CLIENT_ID", "tokenwarden-demo"),
        Map.entry("TOKENWARDEN_PROVIDER_SANDBOX_CLIENT_SECRET", CLIENT_SECRET),
        Map.entry("TOKENWARDEN_POLICY_SANDBOX_REFRESH_BEFORE", "PT20S"),
        Map.entry("TOKENWARDEN_POLICY_SANDBOX_WARN_BEFORE", "PT10S"),
        Map.entry("TOKENWARDEN_POLICY_SANDBOX_JITTER", "PT0S"),
        Map.entry("TOKENWARDEN_PROVIDER_SANDBOX_REVOKED_TYPE", "oauth2"),
        Map.entry("TOKENWARDEN_PROVIDER_SANDBOX_REVOKED_TOKEN_URL", revokedUrl),
        Map.entry("TOKENWARDEN_PROVIDER_SANDBOX_REVOKED_CLIENT_ID", "tokenwarden-demo"),
        Map.entry("TOKENWARDEN_PROVIDER_SANDBOX_REVOKED_CLIENT_SECRET", CLIENT_SECRET),
        Map.entry("TOKENWARDEN_POLICY_SANDBOX_REVOKED_REFRESH_BEFORE", "PT20S"),
        Map.entry("TOKENWARDEN_POLICY_SANDBOX_REVOKED_WARN_BEFORE", "PT10S"),
        Map.entry("TOKENWARDEN_POLICY_SANDBOX_REVOKED_JITTER", "PT0S"));
  }

  String url() {
    return server.baseUrl().toString();
  }

  @Override
  public void close() {
    server.shutdown();
  }

}
