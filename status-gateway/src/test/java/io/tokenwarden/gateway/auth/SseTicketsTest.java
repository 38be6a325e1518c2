package io.tokenwarden.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class SseTicketsTest {

  private static final byte[] KEY = "ticket-key-of-at-least-thirty-two-bytes".getBytes(StandardCharsets.UTF_8);
  private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
  private final Principal alice = new Principal("tenant|with.dots", "alice", NOW.plusSeconds(3600));

  private static final class MovableClock extends Clock {
    Instant now = NOW;

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void aTicketRedeemsOnceToItsPrincipal() throws Exception {
    SseTickets tickets = new SseTickets(KEY, Duration.ofSeconds(30), Clock.fixed(NOW, ZoneOffset.UTC));
    SseTickets.Ticket t = tickets.issue(alice);
    assertThat(t.expiresAt()).isEqualTo(NOW.plusSeconds(30));
    assertThat(t.value()).hasSizeLessThan(SseTickets.MAX_LENGTH).doesNotContain("alice");
    assertThat(tickets.redeem(t.value())).isEqualTo(alice);
    assertThatThrownBy(() -> tickets.redeem(t.value())).isInstanceOf(Unauthorized.class).hasMessageContaining("used");
  }

  @Test
  void anExpiredTicketOrOneThatOutlivesItsTokenIsRefused() throws Exception {
    MovableClock clock = new MovableClock();
    SseTickets tickets = new SseTickets(KEY, Duration.ofSeconds(30), clock);
    SseTickets.Ticket t = tickets.issue(alice);
    clock.now = NOW.plusSeconds(30);
    assertThatThrownBy(() -> tickets.redeem(t.value())).hasMessageContaining("expired");
    Principal shortLived = new Principal("t", "s", NOW.plusSeconds(5));
    clock.now = NOW;
    assertThat(tickets.issue(shortLived).expiresAt()).isEqualTo(NOW.plusSeconds(5));
  }

  @Test
  void aForgedOrMangledOrForeignTicketIsRefused() throws Exception {
    SseTickets tickets = new SseTickets(KEY, Duration.ofSeconds(30), Clock.fixed(NOW, ZoneOffset.UTC));
    String t = tickets.issue(alice).value();
    // Another tenant put into the payload, MAC kept.
    String[] parts = t.split("\\.");
    parts[0] = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("tenant-b".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> tickets.redeem(String.join(".", parts))).hasMessageContaining("forged");
    SseTickets other = new SseTickets("another-key-of-at-least-thirty-two-bytes".getBytes(StandardCharsets.UTF_8),
        Duration.ofSeconds(30), Clock.fixed(NOW, ZoneOffset.UTC));
    assertThatThrownBy(() -> other.redeem(t)).hasMessageContaining("forged");
    for (String bad : new String[] {"", "nodots", "a.b", "x".repeat(SseTickets.MAX_LENGTH + 1), t + "!"}) {
      assertThatThrownBy(() -> tickets.redeem(bad)).isInstanceOf(Unauthorized.class);
    }
    assertThatThrownBy(() -> tickets.redeem(null)).isInstanceOf(Unauthorized.class);
  }

  @Test
  void redeemedNoncesAreForgottenOnceExpiredSoMemoryStaysBounded() throws Exception {
    MovableClock clock = new MovableClock();
    SseTickets tickets = new SseTickets(KEY, Duration.ofSeconds(30), clock);
    for (int i = 0; i < 12_000; i++) {
      tickets.redeem(tickets.issue(alice).value());
    }
    clock.now = NOW.plusSeconds(60);
    tickets.redeem(tickets.issue(alice).value());
    assertThat(tickets.remembered()).isLessThan(10);
  }
}
