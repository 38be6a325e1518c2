package io.tokenwarden.runtime.sealing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Plaintext OAuth credentials. They exist only in memory, between {@link CredentialSealer#open} and a call to a
 * provider; {@link #toString()} never shows a token.
 *
 * @param accessToken the access token, never blank
 * @param refreshToken the refresh token, if the provider issued one
 * @param tokenType the token type, such as {@code Bearer}
 * @param extra further provider fields worth keeping (for example an Instagram user id)
 */
public record TokenCredentials(String accessToken, Optional<String> refreshToken, String tokenType,
    Map<String, String> extra) {

  private static final int FORMAT_VERSION = 1;

  public TokenCredentials {
    if (accessToken == null || accessToken.isBlank()) {
      throw new IllegalArgumentException("accessToken must not be blank");
    }
    refreshToken = Objects.requireNonNullElse(refreshToken, Optional.<String>empty()).filter(t -> !t.isBlank());
    tokenType = tokenType == null || tokenType.isBlank() ? "Bearer" : tokenType;
    extra = Map.copyOf(extra == null ? Map.of() : extra);
  }

  /** Bearer credentials with an optional refresh token and no extra fields. */
  public static TokenCredentials bearer(String accessToken, String refreshToken) {
    return new TokenCredentials(accessToken, Optional.ofNullable(refreshToken), "Bearer", Map.of());
  }

  /** These credentials with a new access token and, if given, a new refresh token; otherwise the old one kept. */
  public TokenCredentials renewed(String newAccessToken, Optional<String> newRefreshToken) {
    return new TokenCredentials(newAccessToken, newRefreshToken.filter(t -> !t.isBlank()).or(() -> refreshToken),
        tokenType, extra);
  }

  byte[] toBytes() {
    try (ByteArrayOutputStream bytes = new ByteArrayOutputStream(); DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT_VERSION);
      writeString(out, accessToken);
      writeString(out, refreshToken.orElse(null));
      writeString(out, tokenType);
      Map<String, String> sorted = new TreeMap<>(extra);
      out.writeInt(sorted.size());
      for (var e : sorted.entrySet()) {
        writeString(out, e.getKey());
        writeString(out, e.getValue());
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static TokenCredentials fromBytes(byte[] plaintext) throws IOException {
    try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(plaintext))) {
      int version = in.readUnsignedByte();
      if (version != FORMAT_VERSION) {
        throw new IOException("unknown credentials format " + version);
      }
      String access = readString(in);
      String refresh = readString(in);
      String type = readString(in);
      int n = in.readInt();
      Map<String, String> extra = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        extra.put(readString(in), readString(in));
      }
      return new TokenCredentials(access, Optional.ofNullable(refresh), type, extra);
    }
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String readString(DataInputStream in) throws IOException {
    int len = in.readInt();
    if (len < 0) {
      return null;
    }
    if (len > 1 << 20) {
      throw new IOException("credential field too long: " + len);
    }
    return new String(in.readNBytes(len), StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "TokenCredentials[accessToken=***, refreshToken=" + (refreshToken.isPresent() ? "***" : "none")
        + ", tokenType=" + tokenType + ", extra=" + extra.keySet() + "]";
  }
}
