package io.tokenwarden.runtime.sealing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.crypto.tink.KeysetHandle;
import io.tokenwarden.runtime.config.ConfigException;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.schema.SealedCredentials;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialSealerTest {

  private static final String ACCESS = "access-SECRET-1f2e3d";
  private static final String REFRESH = "refresh-SECRET-9a8b7c";

  private final KeysetHandle keyset = Keysets.generate();
  private final CredentialSealer sealer = new CredentialSealer(keyset);
  private final TokenCredentials credentials =
      new TokenCredentials(ACCESS, Optional.of(REFRESH), "Bearer", Map.of("user_id", "42"));

  @Test
  void sealedCredentialsOpenForTheSameConnectionOnly() {
    SealedCredentials sealed = sealer.seal("conn-a", credentials);
    assertThat(sealer.open("conn-a", sealed)).isEqualTo(credentials);
    assertThatThrownBy(() -> sealer.open("conn-b", sealed))
        .isInstanceOf(SealingException.class)
        .hasMessageContaining("conn-b");
  }

  @Test
  void ciphertextDoesNotContainThePlaintext() {
    SealedCredentials sealed = sealer.seal("conn-a", credentials);
    String bytes = new String(sealed.getCiphertext().array(), StandardCharsets.ISO_8859_1);
    assertThat(bytes).doesNotContain(ACCESS).doesNotContain(REFRESH);
    assertThat(sealed.toString()).doesNotContain(ACCESS).doesNotContain(REFRESH);
  }

  @Test
  void toStringAndExceptionsNeverShowTokens() {
    assertThat(credentials.toString()).doesNotContain(ACCESS).doesNotContain(REFRESH).contains("***");
    SealedCredentials sealed = sealer.seal("conn-a", credentials);
    Throwable wrong = org.assertj.core.api.Assertions.catchThrowable(() -> sealer.open("conn-x", sealed));
    assertThat(stackText(wrong)).doesNotContain(ACCESS).doesNotContain(REFRESH);
  }

  @Test
  void rotationKeepsOldBlobsOpenAndSealsWithTheNewPrimary() {
    SealedCredentials old = sealer.seal("conn-a", credentials);
    KeysetHandle rotated = Keysets.rotate(keyset);
    CredentialSealer afterRotation = new CredentialSealer(rotated);
    assertThat(afterRotation.primaryKeyId()).isNotEqualTo(sealer.primaryKeyId());
    assertThat(afterRotation.open("conn-a", old)).isEqualTo(credentials);
    SealedCredentials fresh = afterRotation.seal("conn-a", credentials);
    assertThat(fresh.getKeyId()).isEqualTo(afterRotation.primaryKeyId());
    // The old keyset does not know the new key.
    assertThatThrownBy(() -> sealer.open("conn-a", fresh)).isInstanceOf(SealingException.class);
  }

  @Test
  void keysetRoundTripsThroughJsonVariable() {
    String json = Keysets.toJson(keyset);
    KeysetHandle loaded = Keysets.load(Env.of(Map.of("TOKENWARDEN_KEYSET", json)), Path.of("unused"), false);
    SealedCredentials sealed = sealer.seal("c", credentials);
    assertThat(new CredentialSealer(loaded).open("c", sealed)).isEqualTo(credentials);
  }

  @Test
  void keysetFileIsRead(@TempDir Path dir) {
    Path file = dir.resolve("ks.json");
    Keysets.write(keyset, file);
    KeysetHandle loaded = Keysets.load(Env.of(Map.of("TOKENWARDEN_KEYSET_FILE", file.toString())), dir, false);
    assertThat(new CredentialSealer(loaded).primaryKeyId()).isEqualTo(sealer.primaryKeyId());
  }

  @Test
  void withoutKeysetOnlyLocalModeGeneratesOneAndReusesIt(@TempDir Path dir) {
    assertThatThrownBy(() -> Keysets.load(Env.of(Map.of()), dir, false))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TOKENWARDEN_KEYSET");
    assertThat(Files.exists(dir.resolve(Keysets.LOCAL_KEYSET_FILE))).isFalse();
    KeysetHandle first = Keysets.load(Env.of(Map.of()), dir, true);
    KeysetHandle second = Keysets.load(Env.of(Map.of()), dir, true);
    assertThat(second.getPrimary().getId()).isEqualTo(first.getPrimary().getId());
  }

  @Test
  void badKeysetIsAClearErrorThatDoesNotEchoTheInput() {
    assertThatThrownBy(() -> Keysets.load(Env.of(Map.of("TOKENWARDEN_KEYSET", "{\"secret\":\"xyz-123\"}")),
        Path.of("x"), false))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("TOKENWARDEN_KEYSET")
        .hasMessageNotContaining("xyz-123");
  }

  @Test
  void tamperedCiphertextDoesNotOpen() {
    SealedCredentials sealed = sealer.seal("conn-a", credentials);
    byte[] bytes = sealed.getCiphertext().array().clone();
    bytes[bytes.length - 1] ^= 1;
    assertThatThrownBy(() -> sealer.open("conn-a", new SealedCredentials(sealed.getKeyId(), ByteBuffer.wrap(bytes), true)))
        .isInstanceOf(SealingException.class);
  }

  @Test
  void renewedKeepsTheOldRefreshTokenWhenNoneCameBack() {
    assertThat(credentials.renewed("new-access", Optional.empty()).refreshToken()).contains(REFRESH);
    assertThat(credentials.renewed("new-access", Optional.of("")).refreshToken()).contains(REFRESH);
    assertThat(credentials.renewed("new-access", Optional.of("rotated")).refreshToken()).contains("rotated");
  }

  private static String stackText(Throwable t) {
    var out = new java.io.StringWriter();
    t.printStackTrace(new java.io.PrintWriter(out));
    return out.toString();
  }
}
