package io.tokenwarden.runtime.config;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tokenwarden.contracts.SchemaRegistryClient;
import io.tokenwarden.contracts.SchemaRegistryUnavailableException;
import io.tokenwarden.contracts.WireFormat;
import io.tokenwarden.schema.ConnectionStatus;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parsing {@code TOKENWARDEN_WIRE_FORMAT} and the registry settings, and the settings at work against WireMock
 * standing in for the registry ({@code GET /schemas/ids/{id}} answers {@code {"schema": "..."}}, as in
 * Confluent's "Schema Registry API Reference", docs.confluent.io/platform/current/schema-registry/develop/api.html),
 * over HTTPS with basic auth.
 */
class WireFormatsTest {

  private static final String STORE_PASSWORD = "store-password";
  private static final Path KEYSTORE = selfSignedLocalhostKeystore();

  /** WireMock serves HTTPS with a self-signed certificate for localhost, made by the JDK's keytool. */
  @RegisterExtension
  static WireMockExtension registry = WireMockExtension.newInstance()
      .options(wireMockConfig().dynamicPort().dynamicHttpsPort().keystorePath(KEYSTORE.toString())
          .keystorePassword(STORE_PASSWORD).keyManagerPassword(STORE_PASSWORD).keystoreType("PKCS12"))
      .build();

  private static Path selfSignedLocalhostKeystore() {
    try {
      Path dir = Files.createTempDirectory("registry-tls");
      Path keystore = dir.resolve("registry.p12");
      Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
          "-genkeypair", "-alias", "registry", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
          "-dname", "CN=localhost", "-ext", "SAN=dns:localhost", "-storetype", "PKCS12",
          "-keystore", keystore.toString(), "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD)
          .redirectErrorStream(true).start();
      String output = new String(keytool.getInputStream().readAllBytes());
      if (keytool.waitFor() != 0) {
        throw new IllegalStateException("keytool failed: " + output);
      }
      dir.toFile().deleteOnExit();
      keystore.toFile().deleteOnExit();
      return keystore;
    } catch (java.io.IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final String SCHEMA_ANSWER =
      new ObjectMapper().createObjectNode().put("schema", ConnectionStatus.getClassSchema().toString()).toString();

  @Test
  void singleObjectWithoutARegistryIsTheDefault() {
    WireFormat format = WireFormats.from(Env.of(Map.of()));
    assertThat(format.writes()).isEqualTo(WireFormat.Kind.SINGLE_OBJECT);
    assertThat(format.registry()).isEmpty();
    assertThat(TokenwardenConfig.from(Env.of(Map.of())).topics().wireFormat().writes())
        .isEqualTo(WireFormat.Kind.SINGLE_OBJECT);
  }

  @Test
  void confluentTakesTheConfluentClientSettings() {
    WireFormat format = WireFormats.from(Env.of(Map.of(
        "TOKENWARDEN_WIRE_FORMAT", "Confluent",
        "TOKENWARDEN_SCHEMA_REGISTRY_URL", "http://sr1:8081, http://sr2:8081/",
        "TOKENWARDEN_SCHEMA_REGISTRY_AUTO_REGISTER_SCHEMAS", "true")));
    assertThat(format.writes()).isEqualTo(WireFormat.Kind.CONFLUENT);
    assertThat(format.autoRegister()).isTrue();
    assertThat(format.registry()).hasValueSatisfying(r -> assertThat(r.describe()).contains("http://sr1:8081")
        .contains("http://sr2:8081/"));

    var settings = WireFormats.registry(Env.of(Map.of(
        "TOKENWARDEN_SCHEMA_REGISTRY_URL", "https://sr:8081",
        "TOKENWARDEN_SCHEMA_REGISTRY_HTTP_READ_TIMEOUT_MS", "2500",
        "TOKENWARDEN_SCHEMA_REGISTRY_MAX_RETRIES", "5",
        "TOKENWARDEN_SCHEMA_REGISTRY_RETRIES_WAIT_MS", "100"))).orElseThrow();
    assertThat(settings.readTimeout()).isEqualTo(Duration.ofMillis(2500));
    assertThat(settings.maxRetries()).isEqualTo(5);
    assertThat(settings.retryWait()).isEqualTo(Duration.ofMillis(100));
    assertThat(settings.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void aSingleObjectDeploymentWithARegistryReadsConfluentRecordsToo() {
    WireFormat format = WireFormats.from(Env.of(Map.of("TOKENWARDEN_SCHEMA_REGISTRY_URL", "http://sr:8081")));
    assertThat(format.writes()).isEqualTo(WireFormat.Kind.SINGLE_OBJECT);
    assertThat(format.registry()).isPresent();
  }

  @Test
  void badSettingsNameTheVariableAndNeverEchoAPassword() {
    Map<Map<String, String>, String> bad = Map.of(
        Map.of("TOKENWARDEN_WIRE_FORMAT", "protobuf"), "TOKENWARDEN_WIRE_FORMAT",
        Map.of("TOKENWARDEN_WIRE_FORMAT", "confluent"), "TOKENWARDEN_SCHEMA_REGISTRY_URL",
        Map.of("TOKENWARDEN_SCHEMA_REGISTRY_URL", "sr:8081"), "TOKENWARDEN_SCHEMA_REGISTRY_URL",
        Map.of("TOKENWARDEN_SCHEMA_REGISTRY_URL", "https://u:hunter2@sr"), "BASIC_AUTH_CREDENTIALS_SOURCE",
        Map.of("TOKENWARDEN_SCHEMA_REGISTRY_URL", "https://sr", "TOKENWARDEN_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO",
            "hunter2"), "TOKENWARDEN_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO",
        Map.of("TOKENWARDEN_SCHEMA_REGISTRY_URL", "https://sr",
            "TOKENWARDEN_SCHEMA_REGISTRY_BASIC_AUTH_CREDENTIALS_SOURCE", "SASL_INHERIT"), "CREDENTIALS_SOURCE",
        Map.of("TOKENWARDEN_SCHEMA_REGISTRY_URL", "https://sr",
            "TOKENWARDEN_SCHEMA_REGISTRY_BASIC_AUTH_CREDENTIALS_SOURCE", "URL"), "holds no user:password",
        Map.of("TOKENWARDEN_SCHEMA_REGISTRY_URL", "https://sr", "TOKENWARDEN_SCHEMA_REGISTRY_HTTP_READ_TIMEOUT_MS",
            "0"), "TOKENWARDEN_SCHEMA_REGISTRY_HTTP_READ_TIMEOUT_MS",
        Map.of("TOKENWARDEN_SCHEMA_REGISTRY_URL", "https://sr", "TOKENWARDEN_SCHEMA_REGISTRY_SSL_TRUSTSTORE_LOCATION",
            "/nonexistent/ts.jks", "TOKENWARDEN_SCHEMA_REGISTRY_SSL_TRUSTSTORE_PASSWORD", "hunter2"),
        "TOKENWARDEN_SCHEMA_REGISTRY_SSL_TRUSTSTORE_LOCATION",
        Map.of("TOKENWARDEN_SCHEMA_REGISTRY_URL", "https://sr",
            "TOKENWARDEN_SCHEMA_REGISTRY_AUTO_REGISTER_SCHEMAS", "sometimes", "TOKENWARDEN_WIRE_FORMAT", "confluent"),
        "TOKENWARDEN_SCHEMA_REGISTRY_AUTO_REGISTER_SCHEMAS");
    bad.forEach((vars, named) -> assertThatThrownBy(() -> TokenwardenConfig.from(Env.of(vars)))
        .as("%s", vars.keySet())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(named)
        .hasMessageNotContaining("hunter2"));
  }

  @Test
  void credentialsInTheUrlAreUsedWithSourceUrlAndLeftOutOfTheUrl() {
    registry.stubFor(get("/schemas/ids/1").withBasicAuth("alice", "s3cret")
        .willReturn(okJson(SCHEMA_ANSWER)));
    var settings = WireFormats.registry(Env.of(Map.of(
        "TOKENWARDEN_SCHEMA_REGISTRY_URL", "http://alice:s3cret@localhost:" + registry.getPort(),
        "TOKENWARDEN_SCHEMA_REGISTRY_BASIC_AUTH_CREDENTIALS_SOURCE", "URL"))).orElseThrow();
    assertThat(settings.urls()).containsExactly(URI.create("http://localhost:" + registry.getPort()));
    assertThat(new SchemaRegistryClient(settings).schemaById(1)).isEqualTo(ConnectionStatus.getClassSchema());
  }

  @Test
  void httpsWithATrustStoreAndBasicAuthFromUserInfo(@TempDir Path dir) throws Exception {
    registry.stubFor(get("/schemas/ids/2").withBasicAuth("sr-user", "sr-password")
        .willReturn(okJson(SCHEMA_ANSWER)));
    // The server's key store doubles as the client's trust store: the trust manager trusts its certificate.
    Path truststore = dir.resolve("truststore.p12");
    Files.copy(KEYSTORE, truststore);
    Map<String, String> vars = new HashMap<>(Map.of(
        "TOKENWARDEN_WIRE_FORMAT", "confluent",
        "TOKENWARDEN_SCHEMA_REGISTRY_URL", "https://localhost:" + registry.getHttpsPort(),
        "TOKENWARDEN_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO", "sr-user:sr-password",
        "TOKENWARDEN_SCHEMA_REGISTRY_MAX_RETRIES", "0"));
    // Without the trust store, the JVM does not trust WireMock's self-signed certificate.
    SchemaRegistryClient untrusting = WireFormats.from(Env.of(vars)).registry().orElseThrow();
    assertThatThrownBy(() -> untrusting.schemaById(2)).isInstanceOf(SchemaRegistryUnavailableException.class)
        .hasMessageContaining("SSLHandshakeException");

    vars.put("TOKENWARDEN_SCHEMA_REGISTRY_SSL_TRUSTSTORE_LOCATION", truststore.toString());
    vars.put("TOKENWARDEN_SCHEMA_REGISTRY_SSL_TRUSTSTORE_PASSWORD", STORE_PASSWORD);
    vars.put("TOKENWARDEN_SCHEMA_REGISTRY_SSL_TRUSTSTORE_TYPE", "PKCS12");
    SchemaRegistryClient client = TokenwardenConfig.from(Env.of(vars)).topics().wireFormat().registry().orElseThrow();
    assertThat(client.schemaById(2)).isEqualTo(ConnectionStatus.getClassSchema());

    vars.put("TOKENWARDEN_SCHEMA_REGISTRY_SSL_TRUSTSTORE_PASSWORD", "wrong-password");
    assertThatThrownBy(() -> WireFormats.from(Env.of(vars))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("TOKENWARDEN_SCHEMA_REGISTRY_SSL_TRUSTSTORE_LOCATION")
        .hasMessageNotContaining("wrong-password");
    assertThat(List.of(client.describe(), client.toString())).noneMatch(s -> s.contains("sr-password"));
  }
}
