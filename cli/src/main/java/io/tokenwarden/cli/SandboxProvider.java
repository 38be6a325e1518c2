package io.tokenwarden.cli;

import io.tokenwarden.runtime.config.Env;
import java.util.HashMap;
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
    Map<String, String> env = new HashMap<>();
    env.putAll(provider(RENEWS, server.tokenEndpointUrl(RENEWS).toString()));
    env.putAll(provider(REVOKED, server.baseUrl().newBuilder().encodedPath(REVOKED_PATH).build().toString()));
    return env;
  }

  /** A generic OAuth2 provider at {@code tokenUrl}, refreshed 20 s before expiry and warned about 10 s before. */
  private static Map<String, String> provider(String id, String tokenUrl) {
    String provider = "TOKENWARDEN_PROVIDER_" + Env.envKey(id) + "_";
    String policy = "TOKENWARDEN_POLICY_" + Env.envKey(id) + "_";
    return Map.of(
        provider + "TYPE", "oauth2",
        provider + "TOKEN_URL", tokenUrl,
        provider + "CLIENT_ID", "tokenwarden-demo",
        provider + "CLIENT_SECRET", CLIENT_SECRET,
        policy + "REFRESH_BEFORE", "PT20S",
        policy + "WARN_BEFORE", "PT10S",
        policy + "JITTER", "PT0S");
  }

  @Override
  public void close() {
    server.shutdown();
  }

}
