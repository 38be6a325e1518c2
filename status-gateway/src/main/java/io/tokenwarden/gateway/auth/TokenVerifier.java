package io.tokenwarden.gateway.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.tokenwarden.gateway.GatewayConfig;
import java.net.MalformedURLException;
import java.text.ParseException;
import java.util.HashSet;
import java.util.Set;

/**
 * Verifies the callers' JWTs with nimbus-jose-jwt: HS256 with the configured secret, or RS256/ES256 with keys
 * from the JWKS URL (cached and refreshed by nimbus). The signature and {@code exp} are always checked (with
 * nimbus's default minute of clock skew), {@code iss} and {@code aud} when configured, and the tenant claim
 * must be a non-blank string of at most 255 characters.
 */
public final class TokenVerifier {

  /** Longest token accepted, in characters. */
  public static final int MAX_TOKEN_LENGTH = 4096;
  private static final int MAX_CLAIM = 255;

  private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
  private final String tenantClaim;
  private final boolean remoteKeys;

  public TokenVerifier(GatewayConfig config) {
    this.tenantClaim = config.tenantClaim();
    JWKSource<SecurityContext> keys;
    Set<JWSAlgorithm> algorithms;
    if (config.jwtSecret().isPresent()) {
      keys = new ImmutableSecret<>(config.jwtSecret().get());
      algorithms = Set.of(JWSAlgorithm.HS256);
      remoteKeys = false;
    } else {
      try {
        keys = JWKSourceBuilder.create(config.jwksUrl().orElseThrow().toURL()).retrying(true).build();
      } catch (MalformedURLException e) {
        throw new IllegalArgumentException("TOKENWARDEN_GATEWAY_JWKS_URL: " + e.getMessage(), e);
      }
      algorithms = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);
      remoteKeys = true;
    }
    processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, keys));
    // Plain JWTs and OAuth 2.0 access tokens (RFC 9068, typ at+jwt), as identity providers issue them.
    processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT,
        new JOSEObjectType("at+jwt"), null));
    JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
    config.issuer().ifPresent(exact::issuer);
    Set<String> required = new HashSet<>(Set.of("exp", tenantClaim));
    config.issuer().ifPresent(i -> required.add("iss"));
    processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(
        config.audience().map(Set::of).orElse(null), exact.build(), required, Set.of()));
  }

  /** Whether verifying may fetch keys over the network (then callers keep it off the event loop). */
  public boolean mayBlock() {
    return remoteKeys;
  }

  /** The caller of {@code token}, or why not. */
  public Principal verify(String token) throws Unauthorized {
    if (token == null || token.isEmpty()) {
      throw new Unauthorized("no token");
    }
    if (token.length() > MAX_TOKEN_LENGTH) {
      throw new Unauthorized("token longer than " + MAX_TOKEN_LENGTH + " characters");
    }
    JWTClaimsSet claims;
    try {
      claims = processor.process(token, null);
    } catch (ParseException e) {
      throw new Unauthorized("not a JWT");
    } catch (BadJOSEException | JOSEException e) {
      throw new Unauthorized("rejected: " + e.getMessage());
    }
    Object tenant = claims.getClaim(tenantClaim);
    if (!(tenant instanceof String t) || t.isBlank() || t.length() > MAX_CLAIM) {
      throw new Unauthorized("claim " + tenantClaim + " is not a tenant id");
    }
    String subject = claims.getSubject() == null ? "" : claims.getSubject();
    if (subject.length() > MAX_CLAIM) {
      throw new Unauthorized("sub longer than " + MAX_CLAIM + " characters");
    }
    return new Principal(t, subject, claims.getExpirationTime().toInstant());
  }
}
