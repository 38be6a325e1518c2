package io.tokenwarden.cli;

import io.tokenwarden.schema.ConnectionStatus;
import java.time.Duration;
import java.time.Instant;

/** One human-readable line per connection status; the "!" marks connections that need a human. */
final class StatusLine {

  static final String HEADER = String.format("%-1s %-24s %-15s %-16s %-15s %-12s %-12s %s",
      "!", "CONNECTION", "PROVIDER", "ACCOUNT", "STATE", "EXPIRES IN", "REFRESHED", "REASON");

  private StatusLine() {}

  static String of(ConnectionStatus s, Instant now) {
    return String.format("%-1s %-24s %-15s %-16s %-15s %-12s %-12s %s",
        s.getAttention() ? "!" : " ",
        s.getConnectionId(),
        s.getProvider(),
        s.getAccountId(),
        s.getState(),
        s.getExpiresAt() == null ? "never" : relative(Duration.between(now, s.getExpiresAt())),
        s.getLastRefreshedAt() == null ? "-" : relative(Duration.between(now, s.getLastRefreshedAt())) ,
        s.getReason() == null ? "" : s.getReason());
  }

  static String removed(String connectionId) {
    return String.format("%-1s %-24s %s", " ", connectionId, "(removed)");
  }

  /** {@code 5m 03s}, {@code 2h 10m}, {@code 3d 4h}; negative durations read as "ago". */
  static String relative(Duration d) {
    boolean past = d.isNegative();
    Duration a = d.abs();
    String text;
    if (a.toDays() > 0) {
      text = a.toDays() + "d " + a.toHoursPart() + "h";
    } else if (a.toHours() > 0) {
      text = a.toHours() + "h " + a.toMinutesPart() + "m";
    } else if (a.toMinutes() > 0) {
      text = a.toMinutes() + "m " + String.format("%02ds", a.toSecondsPart());
    } else {
      text = a.toSeconds() + "s";
    }
    return past ? text + " ago" : text;
  }
}
