package io.tokenwarden.worker.provider;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** Parses an HTTP {@code Retry-After} header (RFC 9110 §10.2.3): delay seconds or an HTTP date. */
public final class RetryAfter {

  private RetryAfter() {}

  /** The instant to retry at, or empty if the header is absent or unreadable. Never before {@code now}. */
  public static Optional<Instant> parse(String header, Instant now) {
    if (header == null || header.isBlank()) {
      return Optional.empty();
    }
    String value = header.trim();
    if (value.chars().allMatch(Character::isDigit)) {
      try {
        return Optional.of(now.plusSeconds(Math.min(Long.parseLong(value), 7L * 24 * 3600)));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
    try {
      Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      return Optional.of(at.isBefore(now) ? now : at);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
