package io.tokenwarden.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.tokenwarden.gateway.GatewayConfig;
import io.tokenwarden.runtime.config.ConfigException;
import io.tokenwarden.runtime.config.Env;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenVerifierTest {

  @TempDir Path dir;

  private GatewayConfig config(Map<String, String> vars) {
    return GatewayConfig.from(Env.of(vars), dir, false);
  }

  @Test
  void anHs256TokenFromTheMinterVerifiesToItsTenantAndExpiry() throws Exception {
    GatewayConfig c = config(Map.of("TOKENWARDEN_GATEWAY_JWT_SECRET", "s".repeat(32),
        "TOKENWARDEN_GATEWAY_JWT_TENANT_CLAIM", "org_id"));
    Principal p = new TokenVerifier(c).verify(new TokenMinter(c).mint("acme", "u1", Duration.ofMinutes(5)));
    assertThat(p.tenant()).isEqualTo("acme");
    assertThat(p.subject()).isEqualTo("u1");
    assertThat(p.expiresAt()).isBetween(Instant.now().plusSeconds(200), Instant.now().plusSeconds(301));
    assertThat(p.toString()).doesNotContain("u1");
  }

  @Test
  void rs256AndEs256TokensVerifyAgainstTheJwksUrlAndOtherKeysDoNot() throws Exception {
    RSAKey rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
    RSAKey stranger = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    byte[] jwks = new JWKSet(java.util.List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString().getBytes(StandardCharsets.UTF_8);
    HttpServer idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    idp.createContext("/jwks", ex -> {
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, jwks.length);
      ex.getResponseBody().write(jwks);
      ex.close();
    });
    idp.start();
    try {
      GatewayConfig c = config(Map.of("TOKENWARDEN_GATEWAY_JWKS_URL",
          "http://127.0.0.1:" + idp.getAddress().getPort() + "/jwks", "TOKENWARDEN_GATEWAY_JWT_ISSUER", "https://idp"));
      TokenVerifier verifier = new TokenVerifier(c);
      assertThat(verifier.mayBlock()).isTrue();
      JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer("https://idp").claim("tenant", "t1")
          .expirationTime(Date.from(Instant.now().plusSeconds(60))).build();
      SignedJWT r = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").build(), claims);
      r.sign(new RSASSASigner(rsa));
      SignedJWT e = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1").build(), claims);
      e.sign(new ECDSASigner(ec));
      SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").build(), claims);
      forged.sign(new RSASSASigner(stranger));
      assertThat(verifier.verify(r.serialize()).tenant()).isEqualTo("t1");
      assertThat(verifier.verify(e.serialize()).tenant()).isEqualTo("t1");
      // An access token in the RFC 9068 profile (typ at+jwt) is a JWT too; another type is not.
      SignedJWT at = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1")
          .type(new com.nimbusds.jose.JOSEObjectType("at+jwt")).build(), claims);
      at.sign(new ECDSASigner(ec));
      assertThat(verifier.verify(at.serialize()).tenant()).isEqualTo("t1");
      SignedJWT logout = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1")
          .type(new com.nimbusds.jose.JOSEObjectType("logout+jwt")).build(), claims);
      logout.sign(new ECDSASigner(ec));
      assertThatThrownBy(() -> verifier.verify(logout.serialize())).isInstanceOf(Unauthorized.class);
      assertThatThrownBy(() -> verifier.verify(forged.serialize())).isInstanceOf(Unauthorized.class);
      // An HS256 token signed with the public key's bytes (the classic algorithm confusion) is refused.
      SignedJWT confused = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
      confused.sign(new com.nimbusds.jose.crypto.MACSigner(rsa.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8)));
      assertThatThrownBy(() -> verifier.verify(confused.serialize())).isInstanceOf(Unauthorized.class);
    } finally {
      idp.stop(0);
    }
  }

  @Test
  void aTenantClaimThatIsNotAShortStringIsRefused() throws Exception {
    GatewayConfig c = config(Map.of("TOKENWARDEN_GATEWAY_JWT_SECRET", "s".repeat(32)));
    TokenVerifier verifier = new TokenVerifier(c);
    for (Object tenant : new Object[] {42, " ", "t".repeat(256), java.util.List.of("a")}) {
      JWTClaimsSet claims = new JWTClaimsSet.Builder().claim("tenant", tenant)
          .expirationTime(Date.from(Instant.now().plusSeconds(60))).build();
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
      jwt.sign(new com.nimbusds.jose.crypto.MACSigner("s".repeat(32).getBytes(StandardCharsets.UTF_8)));
      assertThatThrownBy(() -> verifier.verify(jwt.serialize())).as(String.valueOf(tenant)).isInstanceOf(Unauthorized.class);
    }
  }

  @Test
  void configurationFailsFastNamingTheVariable() {
    assertThatThrownBy(() -> config(Map.of())).isInstanceOf(ConfigException.class)
        .hasMessageContaining("TOKENWARDEN_GATEWAY_JWT_SECRET");
    assertThatThrownBy(() -> config(Map.of("TOKENWARDEN_GATEWAY_JWT_SECRET", "short")))
        .hasMessageContaining("at least 32 bytes");
    assertThatThrownBy(() -> config(Map.of("TOKENWARDEN_GATEWAY_JWT_SECRET", "s".repeat(32),
        "TOKENWARDEN_GATEWAY_JWKS_URL", "https://idp/jwks"))).hasMessageContaining("not both");
    assertThatThrownBy(() -> config(Map.of("TOKENWARDEN_GATEWAY_JWKS_URL", "ftp://idp/jwks")))
        .hasMessageContaining("TOKENWARDEN_GATEWAY_JWKS_URL");
    assertThatThrownBy(() -> config(Map.of("TOKENWARDEN_GATEWAY_JWT_SECRET", "s".repeat(32),
        "TOKENWARDEN_GATEWAY_ALLOWED_ORIGINS", "https://ok.example, javascript:alert(1)")))
        .hasMessageContaining("TOKENWARDEN_GATEWAY_ALLOWED_ORIGINS");
    assertThatThrownBy(() -> config(Map.of("TOKENWARDEN_GATEWAY_JWT_SECRET", "s".repeat(32),
        "TOKENWARDEN_GATEWAY_SSE_HEARTBEAT", "PT0S"))).hasMessageContaining("TOKENWARDEN_GATEWAY_SSE_HEARTBEAT");
    assertThatThrownBy(() -> config(Map.of("TOKENWARDEN_GATEWAY_JWT_SECRET", "s".repeat(32),
        "TOKENWARDEN_GATEWAY_CLIENT_QUEUE", "0"))).hasMessageContaining("TOKENWARDEN_GATEWAY_CLIENT_QUEUE");
    assertThat(config(Map.of("TOKENWARDEN_GATEWAY_JWT_SECRET", "s".repeat(32))).toString()).doesNotContain("sss");
  }

  @Test
  void aLocalProcessGeneratesOneSecretAndKeepsIt() {
    GatewayConfig first = GatewayConfig.from(Env.of(Map.of()), dir, true);
    GatewayConfig second = GatewayConfig.from(Env.of(Map.of()), dir, true);
    assertThat(first.jwtSecret().orElseThrow()).hasSizeGreaterThanOrEqualTo(32).isEqualTo(second.jwtSecret().orElseThrow());
    assertThat(dir.resolve(GatewayConfig.LOCAL_SECRET_FILE)).exists();
  }
}
