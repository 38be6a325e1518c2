package io.tokenwarden.runtime.sealing;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.aead.AeadConfig;
import io.tokenwarden.schema.SealedCredentials;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/**
 * Seals and opens {@link TokenCredentials} with Tink AEAD. The associated data is the connection id, so a blob
 * copied to another connection does not open. Any key of the keyset opens; the primary key seals.
 */
public final class CredentialSealer {

  static {
    try {
      AeadConfig.register();
    } catch (GeneralSecurityException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Aead aead;
  private final String primaryKeyId;

  public CredentialSealer(KeysetHandle keyset) {
    try {
      this.aead = keyset.getPrimitive(RegistryConfiguration.get(), Aead.class);
    } catch (GeneralSecurityException e) {
      throw new SealingException("keyset is not an AEAD keyset", e);
    }
    this.primaryKeyId = Integer.toUnsignedString(keyset.getPrimary().getId());
  }

  /** Seals {@code credentials} for {@code connectionId}. */
  public SealedCredentials seal(String connectionId, TokenCredentials credentials) {
    try {
      byte[] ciphertext = aead.encrypt(credentials.toBytes(), associatedData(connectionId));
      return new SealedCredentials(primaryKeyId, ByteBuffer.wrap(ciphertext), credentials.refreshToken().isPresent());
    } catch (GeneralSecurityException e) {
      throw new SealingException("cannot seal credentials of connection " + connectionId, e);
    }
  }

  /** Opens credentials sealed for {@code connectionId}. */
  public TokenCredentials open(String connectionId, SealedCredentials sealed) {
    ByteBuffer buffer = sealed.getCiphertext().duplicate();
    byte[] ciphertext = new byte[buffer.remaining()];
    buffer.get(ciphertext);
    try {
      return TokenCredentials.fromBytes(aead.decrypt(ciphertext, associatedData(connectionId)));
    } catch (GeneralSecurityException e) {
      throw new SealingException("cannot open credentials of connection " + connectionId
          + " (sealed with key " + sealed.getKeyId() + "): unknown key, or sealed for another connection", e);
    } catch (IOException | IllegalArgumentException e) {
      throw new SealingException("credentials of connection " + connectionId + " are malformed", null);
    }
  }

  /** Id of the key that seals new credentials. */
  public String primaryKeyId() {
    return primaryKeyId;
  }

  private static byte[] associatedData(String connectionId) {
    return ("tokenwarden/connection/" + connectionId).getBytes(StandardCharsets.UTF_8);
  }
}
