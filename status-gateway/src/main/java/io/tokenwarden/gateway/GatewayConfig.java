package io.tokenwarden.gateway;

import io.tokenwarden.runtime.config.ConfigException;
import io.tokenwarden.runtime.config.Env;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status gateway's settings, parsed once from {@code TOKENWARDEN_GATEWAY_*} variables. A bad value fails
 * fast and names the variable.
 *
 * @param jwtSecret HS256 secret ({@code TOKENWARDEN_GATEWAY_JWT_SECRET}, at least 32 bytes)
 * @param jwksUrl JWKS of the identity provider, for RS256 and ES256 tokens ({@code TOKENWARDEN_GATEWAY_JWKS_URL})
 * @param issuer the {@code iss} every token must carry, if set
 * @param audience a value the token's {@code aud} must contain, if set
 * @param tenantClaim the claim that names the caller's tenant
 * @param allowedOrigins origins allowed to call the API from a browser (CORS); empty for same-origin only
 * @param heartbeat period of the SSE comment heartbeat
 * @param ticketTtl lifetime of an SSE ticket
 * @param ticketKey key of the tickets' HMAC; replicas behind one load balancer must share it
 * @param maxClients most SSE clients one replica holds
 * @param maxClientsPerTenant most SSE clients of one tenant on one replica
 * @param clientQueue most events queued for one SSE client before it is disconnected as too slow
 * @param clientBufferBytes bytes written but not yet sent to one SSE client before events queue up instead
 * @param replayEvents recent events kept per tenant, to resume a stream after a disconnect
 */
public record GatewayConfig(
    Optional<byte[]> jwtSecret,
    Optional<URI> jwksUrl,
    Optional<String> issuer,
    Optional<String> audience,
    String tenantClaim,
    List<String> allowedOrigins,
    Duration heartbeat,
    Duration ticketTtl,
    byte[] ticketKey,
    int maxClients,
    int maxClientsPerTenant,
    int clientQueue,
    int clientBufferBytes,
    int replayEvents) {

  /** File name of the generated local JWT secret under the data directory. */
  public static final String LOCAL_SECRET_FILE = "gateway-jwt-secret";

  private static final Logger log = LoggerFactory.getLogger(GatewayConfig.class);
  private static final int MIN_SECRET_BYTES = 32;

  /**
   * The settings in {@code env}. Without a JWT secret or JWKS URL, a local process ({@code allowGenerated})
   * uses or creates a secret at {@code dataDir/gateway-jwt-secret}; any other process refuses to start.
   */
  public static GatewayConfig from(Env env, Path dataDir, boolean allowGenerated) {
    Optional<byte[]> secret = env.get("TOKENWARDEN_GATEWAY_JWT_SECRET").map(s -> s.getBytes(StandardCharsets.UTF_8));
    Optional<URI> jwks = env.get("TOKENWARDEN_GATEWAY_JWKS_URL").map(GatewayConfig::url);
    if (secret.isPresent() && jwks.isPresent()) {
      throw new ConfigException("set one of TOKENWARDEN_GATEWAY_JWT_SECRET and TOKENWARDEN_GATEWAY_JWKS_URL, not both");
    }
    if (secret.isEmpty() && jwks.isEmpty()) {
      if (!allowGenerated) {
        throw new ConfigException("the status gateway needs TOKENWARDEN_GATEWAY_JWT_SECRET (HS256) or"
            + " TOKENWARDEN_GATEWAY_JWKS_URL (RS256/ES256); a secret is generated only in local and demo modes");
      }
      secret = Optional.of(localSecret(dataDir));
    }
    secret.ifPresent(s -> {
      if (s.length < MIN_SECRET_BYTES) {
        throw new ConfigException("TOKENWARDEN_GATEWAY_JWT_SECRET: must be at least " + MIN_SECRET_BYTES
            + " bytes for HS256, got " + s.length);
      }
    });
    byte[] ticketKey = env.get("TOKENWARDEN_GATEWAY_TICKET_SECRET").map(s -> s.getBytes(StandardCharsets.UTF_8))
        .orElseGet(() -> {
          byte[] k = new byte[32];
          new SecureRandom().nextBytes(k);
          return k;
        });
    if (ticketKey.length < MIN_SECRET_BYTES) {
      throw new ConfigException("TOKENWARDEN_GATEWAY_TICKET_SECRET: must be at least " + MIN_SECRET_BYTES + " bytes");
    }
    List<String> origins = env.get("TOKENWARDEN_GATEWAY_ALLOWED_ORIGINS")
        .map(v -> Arrays.stream(v.split(",")).map(String::trim).filter(o -> !o.isEmpty()).toList())
        .orElse(List.of());
    for (String origin : origins) {
      if (!origin.equals("*") && !origin.matches("https?://[A-Za-z0-9.\\-\\[\\]:]+")) {
        throw new ConfigException("TOKENWARDEN_GATEWAY_ALLOWED_ORIGINS: expected * or origins such as"
            + " https://app.example.com, separated by commas, got '" + origin + "'");
      }
    }
    String tenantClaim = env.get("TOKENWARDEN_GATEWAY_JWT_TENANT_CLAIM", "tenant");
    if (!tenantClaim.matches("[A-Za-z0-9_:/.\\-]{1,64}")) {
      throw new ConfigException("TOKENWARDEN_GATEWAY_JWT_TENANT_CLAIM: expected a claim name, got '" + tenantClaim + "'");
    }
    return new GatewayConfig(secret, jwks, env.get("TOKENWARDEN_GATEWAY_JWT_ISSUER"),
        env.get("TOKENWARDEN_GATEWAY_JWT_AUDIENCE"), tenantClaim, origins,
        positive(env, "TOKENWARDEN_GATEWAY_SSE_HEARTBEAT", Duration.ofSeconds(15)),
        positive(env, "TOKENWARDEN_GATEWAY_TICKET_TTL", Duration.ofSeconds(30)),
        ticketKey,
        atLeast(env, "TOKENWARDEN_GATEWAY_MAX_CLIENTS", 20_000, 1),
        atLeast(env, "TOKENWARDEN_GATEWAY_MAX_CLIENTS_PER_TENANT", 2_000, 1),
        atLeast(env, "TOKENWARDEN_GATEWAY_CLIENT_QUEUE", 1_000, 1),
        atLeast(env, "TOKENWARDEN_GATEWAY_CLIENT_BUFFER_BYTES", 256 * 1024, 1024),
        atLeast(env, "TOKENWARDEN_GATEWAY_REPLAY_EVENTS", 256, 0));
  }

  private static URI url(String value) {
    try {
      URI uri = new URI(value);
      if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme()) || uri.getHost() == null) {
        throw new ConfigException("TOKENWARDEN_GATEWAY_JWKS_URL: expected an http(s) URL, got '" + value + "'");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new ConfigException("TOKENWARDEN_GATEWAY_JWKS_URL: not a URL: '" + value + "'");
    }
  }

  private static Duration positive(Env env, String name, Duration defaultValue) {
    Duration d = env.getDuration(name, defaultValue);
    if (d.isNegative() || d.isZero()) {
      throw new ConfigException(name + ": must be positive, got " + d);
    }
    return d;
  }

  private static int atLeast(Env env, String name, int defaultValue, int min) {
    int v = env.getInt(name, defaultValue);
    if (v < min) {
      throw new ConfigException(name + ": must be at least " + min + ", got " + v);
    }
    return v;
  }

  /** A random secret kept in the data directory, so that tokens minted for the demo survive a restart. */
  private static byte[] localSecret(Path dataDir) {
    Path file = dataDir.resolve(LOCAL_SECRET_FILE);
    try {
      if (Files.exists(file)) {
        log.warn("USING THE LOCAL GATEWAY JWT SECRET {}: generated on this machine, not for production", file);
        return Files.readString(file).trim().getBytes(StandardCharsets.UTF_8);
      }
      byte[] raw = new byte[32];
      new SecureRandom().nextBytes(raw);
      String encoded = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
      Files.createDirectories(dataDir);
      Files.writeString(file, encoded);
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException notPosix) {
        // Windows: the file keeps the directory's permissions.
      }
      log.warn("GENERATED A LOCAL GATEWAY JWT SECRET AT {}: fine for the demo, NEVER for production."
          + " Set TOKENWARDEN_GATEWAY_JWT_SECRET or TOKENWARDEN_GATEWAY_JWKS_URL.", file);
      return encoded.getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException("cannot read or write the local gateway secret " + file + ": " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    // Secrets stay out of logs and exceptions.
    return "GatewayConfig[jwt=" + (jwtSecret.isPresent() ? "HS256 secret" : "JWKS " + jwksUrl.orElse(null))
        + ", issuer=" + issuer.orElse("-") + ", audience=" + audience.orElse("-") + ", origins=" + allowedOrigins
        + ", heartbeat=" + heartbeat + ", maxClients=" + maxClients + "]";
  }
}
