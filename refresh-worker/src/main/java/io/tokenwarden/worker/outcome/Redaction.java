package io.tokenwarden.worker.outcome;

import java.util.Collection;

/** Makes provider text safe to publish and log: secrets blanked, control characters dropped, length capped. */
public final class Redaction {

  /** Longest description kept. */
  public static final int MAX_LENGTH = 300;

  private Redaction() {}

  /** {@code text} with every occurrence of each secret (of 4 characters or more) replaced by {@code ***}. */
  public static String redact(String text, Collection<String> secrets) {
    if (text == null) {
      return null;
    }
    String out = text;
    for (String secret : secrets) {
      if (secret != null && secret.length() >= 4) {
        out = out.replace(secret, "***");
      }
    }
    out = out.replaceAll("\\p{Cntrl}", " ").strip();
    return out.length() > MAX_LENGTH ? out.substring(0, MAX_LENGTH) + "..." : out;
  }
}
