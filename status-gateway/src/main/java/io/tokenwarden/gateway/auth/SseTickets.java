package io.tokenwarden.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short-lived, single-use tickets for opening an event stream from a browser, whose {@code EventSource} cannot
 * send an {@code Authorization} header. A ticket is the caller's tenant, subject and token expiry, its own
 * expiry and a random nonce, MACed with HMAC-SHA256; a replica remembers the nonces it redeemed until they
 * expire, so a ticket opens at most one stream per replica, and replicas that share the ticket key accept each
 * other's tickets.
 */
public final class SseTickets {

  /** Longest ticket accepted, in characters. */
  public static final int MAX_LENGTH = 1024;

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();
  private static final int PRUNE_ABOVE = 10_000;

  private final SecretKeySpec key;
  private final Duration ttl;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Long> redeemed = new ConcurrentHashMap<>();

  public SseTickets(byte[] key, Duration ttl, Clock clock) {
    this.key = new SecretKeySpec(key, "HmacSHA256");
    this.ttl = ttl;
    this.clock = clock;
  }

  /** A ticket and when it expires. */
  public record Ticket(String value, Instant expiresAt) {
    @Override
    public String toString() {
      return "Ticket[expiresAt=" + expiresAt + "]";
    }
  }

  /** A new ticket for {@code principal}, valid for the ticket lifetime or until the token expires. */
  public Ticket issue(Principal principal) {
    Instant now = clock.instant();
    Instant expires = now.plus(ttl);
    if (principal.expiresAt().isBefore(expires)) {
      expires = principal.expiresAt();
    }
    byte[] nonce = new byte[16];
    random.nextBytes(nonce);
    String payload = B64.encodeToString(principal.tenant().getBytes(StandardCharsets.UTF_8)) + "."
        + B64.encodeToString(principal.subject().getBytes(StandardCharsets.UTF_8)) + "."
        + principal.expiresAt().toEpochMilli() + "." + expires.toEpochMilli() + "." + B64.encodeToString(nonce);
    return new Ticket(payload + "." + B64.encodeToString(mac(payload)), expires);
  }

  /** The caller the ticket was issued to; fails if it is forged, expired or already used. */
  public Principal redeem(String ticket) throws Unauthorized {
    if (ticket == null || ticket.isEmpty() || ticket.length() > MAX_LENGTH) {
      throw new Unauthorized("no ticket");
    }
    int lastDot = ticket.lastIndexOf('.');
    if (lastDot < 0) {
      throw new Unauthorized("malformed ticket");
    }
    String payload = ticket.substring(0, lastDot);
    byte[] given;
    try {
      given = B64D.decode(ticket.substring(lastDot + 1));
    } catch (IllegalArgumentException e) {
      throw new Unauthorized("malformed ticket");
    }
    if (!MessageDigest.isEqual(mac(payload), given)) {
      throw new Unauthorized("forged ticket");
    }
    String[] f = payload.split("\\.", -1);
    if (f.length != 5) {
      throw new Unauthorized("malformed ticket");
    }
    long now = clock.millis();
    long expires = Long.parseLong(f[3]);
    if (now >= expires) {
      throw new Unauthorized("expired ticket");
    }
    prune(now);
    if (redeemed.putIfAbsent(f[4], expires) != null) {
      throw new Unauthorized("ticket already used");
    }
    return new Principal(new String(B64D.decode(f[0]), StandardCharsets.UTF_8),
        new String(B64D.decode(f[1]), StandardCharsets.UTF_8), Instant.ofEpochMilli(Long.parseLong(f[2])));
  }

  /** Nonces remembered, for tests. */
  int remembered() {
    return redeemed.size();
  }

  private void prune(long now) {
    if (redeemed.size() < PRUNE_ABOVE) {
      return;
    }
    for (Iterator<Map.Entry<String, Long>> it = redeemed.entrySet().iterator(); it.hasNext(); ) {
      if (it.next().getValue() <= now) {
        it.remove();
      }
    }
  }

  private byte[] mac(String payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac.doFinal(payload.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

}
