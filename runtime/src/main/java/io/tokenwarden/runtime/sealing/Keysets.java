package io.tokenwarden.runtime.sealing;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import io.tokenwarden.runtime.config.ConfigException;
import io.tokenwarden.runtime.config.Env;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the sealing keyset comes from: {@code TOKENWARDEN_KEYSET} (Tink JSON), {@code TOKENWARDEN_KEYSET_FILE},
 * or, in local and demo modes only, a keyset generated once under the data directory.
 */
public final class Keysets {

  private static final Logger log = LoggerFactory.getLogger(Keysets.class);

  /** File name of the generated local keyset under the data directory. */
  public static final String LOCAL_KEYSET_FILE = "keyset.json";

  static {
    try {
      AeadConfig.register();
    } catch (GeneralSecurityException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private Keysets() {}

  /**
   * Loads the configured keyset. Without one, a local process ({@code allowGenerated}) uses or creates
   * {@code dataDir/keyset.json}; any other process refuses to start.
   */
  public static KeysetHandle load(Env env, Path dataDir, boolean allowGenerated) {
    var inline = env.get("TOKENWARDEN_KEYSET");
    if (inline.isPresent()) {
      return parse(inline.get(), "TOKENWARDEN_KEYSET");
    }
    var file = env.get("TOKENWARDEN_KEYSET_FILE");
    if (file.isPresent()) {
      return parse(read(Path.of(file.get()), "TOKENWARDEN_KEYSET_FILE"), "TOKENWARDEN_KEYSET_FILE");
    }
    if (!allowGenerated) {
      throw new ConfigException("no sealing keyset: set TOKENWARDEN_KEYSET (Tink JSON) or TOKENWARDEN_KEYSET_FILE;"
          + " a keyset is generated only in local and demo modes");
    }
    Path local = dataDir.resolve(LOCAL_KEYSET_FILE);
    if (Files.exists(local)) {
      log.warn("USING THE LOCAL DEMO KEYSET {}: generated on this machine, not for production", local);
      return parse(read(local, local.toString()), local.toString());
    }
    KeysetHandle generated = generate();
    write(generated, local);
    log.warn("GENERATED A LOCAL DEMO KEYSET AT {}: fine for the demo, NEVER for production."
        + " Set TOKENWARDEN_KEYSET or TOKENWARDEN_KEYSET_FILE.", local);
    return generated;
  }

  /** A new keyset with one AES-256-GCM key. */
  public static KeysetHandle generate() {
    try {
      return KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate keyset", e);
    }
  }

  /** {@code keyset} with a new AES-256-GCM key added and made primary; old keys still open old blobs. */
  public static KeysetHandle rotate(KeysetHandle keyset) {
    try {
      return KeysetHandle.newBuilder(keyset)
          .addEntry(KeysetHandle.generateEntryFromParameters(PredefinedAeadParameters.AES256_GCM)
              .withRandomId().makePrimary())
          .build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot rotate keyset", e);
    }
  }

  /** The keyset as Tink JSON, as {@code TOKENWARDEN_KEYSET} takes it. Secret: handle with care. */
  public static String toJson(KeysetHandle keyset) {
    try {
      return TinkJsonProtoKeysetFormat.serializeKeyset(keyset, InsecureSecretKeyAccess.get());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot serialize keyset", e);
    }
  }

  /** Writes the keyset to {@code file}, readable by its owner only. */
  public static void write(KeysetHandle keyset, Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, toJson(keyset));
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // Not a POSIX file system; the file keeps the default permissions.
      }
    } catch (IOException e) {
      throw new ConfigException("cannot write keyset " + file + ": " + e.getMessage(), e);
    }
  }

  private static KeysetHandle parse(String json, String source) {
    try {
      return TinkJsonProtoKeysetFormat.parseKeyset(json, InsecureSecretKeyAccess.get());
    } catch (GeneralSecurityException | RuntimeException e) {
      // Never echo the input: it is key material.
      throw new ConfigException(source + ": not a valid Tink JSON keyset");
    }
  }

  private static String read(Path file, String source) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException(source + ": cannot read keyset file " + file + ": " + e.getMessage(), e);
    }
  }
}
