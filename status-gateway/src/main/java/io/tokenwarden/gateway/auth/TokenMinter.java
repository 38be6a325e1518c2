package io.tokenwarden.gateway.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenwarden.gateway.GatewayConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * Mints HS256 tokens with the gateway's own secret, for the demo's page link and for local use. In production
 * the product's identity provider issues the tokens.
 */
public final class TokenMinter {

  private final GatewayConfig config;

  public TokenMinter(GatewayConfig config) {
    if (config.jwtSecret().isEmpty()) {
      throw new IllegalArgumentException("tokens can be minted only with TOKENWARDEN_GATEWAY_JWT_SECRET (HS256)");
    }
    this.config = config;
  }

  /** A token for {@code tenant}, valid for {@code ttl}, with the configured issuer and audience. */
  public String mint(String tenant, String subject, Duration ttl) {
    Instant now = Instant.now();
    JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
        .subject(subject)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(ttl)))
        .claim(config.tenantClaim(), tenant);
    config.issuer().ifPresent(claims::issuer);
    config.audience().ifPresent(claims::audience);
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
    try {
      jwt.sign(new MACSigner(config.jwtSecret().get()));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a token: " + e.getMessage(), e);
    }
    return jwt.serialize();
  }
}
