package io.tokenwarden.runtime.config;

import io.tokenwarden.contracts.SchemaRegistryClient;
import io.tokenwarden.contracts.WireFormat;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The wire format and the schema registry settings, from the environment. Registry variables are
 * {@code TOKENWARDEN_SCHEMA_REGISTRY_} followed by the Confluent client property they mirror, without its
 * {@code schema.registry.} prefix, upper-cased with {@code _} for {@code .}: {@code basic.auth.user.info} is
 * {@code TOKENWARDEN_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO}, {@code schema.registry.ssl.truststore.location} is
 * {@code TOKENWARDEN_SCHEMA_REGISTRY_SSL_TRUSTSTORE_LOCATION}.
 */
public final class WireFormats {

  public static final String WIRE_FORMAT = "TOKENWARDEN_WIRE_FORMAT";
  public static final String URL = "TOKENWARDEN_SCHEMA_REGISTRY_URL";
  public static final String CREDENTIALS_SOURCE = "TOKENWARDEN_SCHEMA_REGISTRY_BASIC_AUTH_CREDENTIALS_SOURCE";
  public static final String USER_INFO = "TOKENWARDEN_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO";
  public static final String AUTO_REGISTER = "TOKENWARDEN_SCHEMA_REGISTRY_AUTO_REGISTER_SCHEMAS";
  private static final String SSL = "TOKENWARDEN_SCHEMA_REGISTRY_SSL_";
  private static final String PREFIX = "TOKENWARDEN_SCHEMA_REGISTRY_";

  /** Most registry URLs in the list, and the longest URL or user info accepted. */
  private static final int MAX_URLS = 16;
  private static final int MAX_LENGTH = 2048;

  private WireFormats() {}

  /** The deployment's wire format: single-object unless {@value #WIRE_FORMAT} says confluent. */
  public static WireFormat from(Env env) {
    WireFormat.Kind kind;
    try {
      kind = WireFormat.Kind.parse(env.get(WIRE_FORMAT, "single-object"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(WIRE_FORMAT + ": " + e.getMessage());
    }
    Optional<SchemaRegistryClient.Settings> settings = registry(env);
    if (kind == WireFormat.Kind.CONFLUENT) {
      if (settings.isEmpty()) {
        throw new ConfigException(WIRE_FORMAT + "=confluent needs " + URL);
      }
      return WireFormat.confluent(new SchemaRegistryClient(settings.get()), env.getBoolean(AUTO_REGISTER, false));
    }
    // A single-object deployment with a registry still reads Confluent-format records: the first migration step.
    return settings.map(s -> WireFormat.singleObject(new SchemaRegistryClient(s))).orElse(WireFormat.singleObject());
  }

  /** The registry's settings, if {@value #URL} is set. */
  public static Optional<SchemaRegistryClient.Settings> registry(Env env) {
    Optional<String> urlList = env.get(URL);
    if (urlList.isEmpty()) {
      return Optional.empty();
    }
    String source = env.get(CREDENTIALS_SOURCE, "USER_INFO").toUpperCase(Locale.ROOT);
    if (!source.equals("USER_INFO") && !source.equals("URL")) {
      throw new ConfigException(CREDENTIALS_SOURCE + ": expected USER_INFO or URL, got '" + source + "'");
    }
    List<URI> urls = new ArrayList<>();
    Optional<String> userInfo = source.equals("URL") ? Optional.empty() : env.get(USER_INFO);
    String[] entries = urlList.get().split(",");
    if (entries.length > MAX_URLS) {
      throw new ConfigException(URL + ": at most " + MAX_URLS + " URLs, got " + entries.length);
    }
    for (String entry : entries) {
      URI url = parseUrl(entry.trim());
      if (url.getRawUserInfo() != null) {
        if (!source.equals("URL")) {
          throw new ConfigException(URL + ": credentials in the URL need " + CREDENTIALS_SOURCE + "=URL; or move them"
              + " to " + USER_INFO);
        }
        userInfo = Optional.of(URLDecoder.decode(url.getRawUserInfo(), StandardCharsets.UTF_8));
        url = withoutUserInfo(url);
      }
      urls.add(url);
    }
    if (source.equals("URL") && userInfo.isEmpty()) {
      throw new ConfigException(CREDENTIALS_SOURCE + "=URL but " + URL + " holds no user:password@");
    }
    if (userInfo.isPresent() && (!userInfo.get().contains(":") || userInfo.get().length() > MAX_LENGTH)) {
      throw new ConfigException((source.equals("URL") ? URL : USER_INFO) + ": expected user:password");
    }
    try {
      return Optional.of(new SchemaRegistryClient.Settings(urls, userInfo, sslContext(env),
          millis(env, "HTTP_CONNECT_TIMEOUT_MS", 10_000), millis(env, "HTTP_READ_TIMEOUT_MS", 10_000),
          env.getInt(PREFIX + "MAX_RETRIES", 3), millis(env, "RETRIES_WAIT_MS", 1_000),
          millis(env, "RETRIES_MAX_WAIT_MS", 2_000)));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(PREFIX + "*: " + e.getMessage());
    }
  }

  private static URI parseUrl(String text) {
    if (text.isEmpty() || text.length() > MAX_LENGTH) {
      throw new ConfigException(URL + ": expected a comma-separated list of http(s) URLs");
    }
    URI url;
    try {
      url = new URI(text);
    } catch (URISyntaxException e) {
      throw new ConfigException(URL + ": not a URL (" + e.getReason() + ")");
    }
    if (url.getScheme() == null || !url.getScheme().matches("(?i)https?") || url.getHost() == null) {
      throw new ConfigException(URL + ": expected http:// or https:// and a host, got " + redacted(url));
    }
    return url;
  }

  private static URI withoutUserInfo(URI url) {
    try {
      return new URI(url.getScheme(), null, url.getHost(), url.getPort(), url.getPath(), null, null);
    } catch (URISyntaxException e) {
      throw new ConfigException(URL + ": not a URL (" + e.getReason() + ")");
    }
  }

  private static String redacted(URI url) {
    return url.getRawUserInfo() == null ? url.toString() : url.toString().replace(url.getRawUserInfo(), "***");
  }

  private static Duration millis(Env env, String suffix, int defaultValue) {
    int value = env.getInt(PREFIX + suffix, defaultValue);
    if (value < 1) {
      throw new ConfigException(PREFIX + suffix + ": must be at least 1, got " + value);
    }
    return Duration.ofMillis(value);
  }

  /** An SSL context when a trust store or key store is configured; the JVM's defaults otherwise. */
  private static Optional<SSLContext> sslContext(Env env) {
    Optional<String> truststore = env.get(SSL + "TRUSTSTORE_LOCATION");
    Optional<String> keystore = env.get(SSL + "KEYSTORE_LOCATION");
    if (truststore.isEmpty() && keystore.isEmpty()) {
      return Optional.empty();
    }
    try {
      TrustManagerFactory trust = null;
      if (truststore.isPresent()) {
        trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(load(env, "TRUSTSTORE", truststore.get()));
      }
      KeyManagerFactory keys = null;
      if (keystore.isPresent()) {
        keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        String keyPassword = env.get(SSL + "KEY_PASSWORD").or(() -> env.get(SSL + "KEYSTORE_PASSWORD")).orElse("");
        keys.init(load(env, "KEYSTORE", keystore.get()), keyPassword.toCharArray());
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys == null ? null : keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(), null);
      return Optional.of(context);
    } catch (GeneralSecurityException e) {
      throw new ConfigException(SSL + "*: cannot set up TLS for the schema registry: " + e.getMessage(), e);
    }
  }

  private static KeyStore load(Env env, String which, String location) {
    String type = env.get(SSL + which + "_TYPE", "JKS");
    String variable = SSL + which + "_LOCATION";
    Path file = Path.of(location);
    if (!Files.isReadable(file)) {
      throw new ConfigException(variable + ": cannot read " + file);
    }
    try (InputStream in = Files.newInputStream(file)) {
      KeyStore store = KeyStore.getInstance(type);
      store.load(in, env.get(SSL + which + "_PASSWORD").map(String::toCharArray).orElse(null));
      return store;
    } catch (IOException | GeneralSecurityException e) {
      // The message names the file and the cause; never a password.
      throw new ConfigException(variable + ": cannot load " + file + " as " + type + ": " + e.getMessage(), e);
    }
  }
}
