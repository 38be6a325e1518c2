package io.tokenwarden.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * A small client of the Confluent Schema Registry REST API, also spoken by Apicurio's {@code ccompat} API,
 * Karapace and Redpanda. It exists because Confluent's own client ({@code io.confluent:kafka-schema-registry-client})
 * is not served by Maven Central, and covers only the five calls Tokenwarden needs: register a schema, get a
 * schema by id, look a schema up under a subject, test compatibility, set a subject's compatibility level.
 *
 * <p>Every call has a connect and a read timeout and is retried on connection failures, timeouts, 408, 429 and
 * 5xx answers, with exponential backoff, trying the next URL of the list each time; what still fails is a
 * {@link SchemaRegistryUnavailableException}, and {@link #outage()} says so until a later call gets an answer.
 * Other error answers are {@link SchemaRegistryException}s. Schemas by id and ids by subject and schema are cached
 * for the life of the client (ids are immutable in the registry). Thread-safe.
 *
 * <p>Request and response shapes: Confluent's "Schema Registry API Reference"
 * (docs.confluent.io/platform/current/schema-registry/develop/api.html).
 */
public final class SchemaRegistryClient {

  /** Largest response body read; a schema of ours is a few kilobytes. */
  static final int MAX_RESPONSE_BYTES = 4 << 20;
  /** Most cached schemas by id; beyond that a lookup goes to the registry every time. */
  static final int MAX_CACHED = 10_000;

  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final String ACCEPT =
      "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json";
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How long a failed call keeps {@link #outage()} set without another failure. */
  public static final Duration OUTAGE_MEMORY = Duration.ofSeconds(60);

  /**
   * How to reach the registry; the names in brackets are the Confluent client properties they mirror.
   *
   * @param urls base URLs, tried in turn ({@code schema.registry.url}); without credentials in them
   * @param userInfo {@code user:password} for HTTP basic auth, if any ({@code basic.auth.user.info})
   * @param sslContext TLS settings for {@code https} URLs, if not the JVM's defaults
   *     ({@code schema.registry.ssl.*})
   * @param connectTimeout connect timeout of one attempt ({@code http.connect.timeout.ms})
   * @param readTimeout time for one attempt's answer ({@code http.read.timeout.ms})
   * @param maxRetries retries after the first attempt ({@code max.retries})
   * @param retryWait wait before the first retry, doubled per retry ({@code retries.wait.ms})
   * @param retryMaxWait longest wait between retries ({@code retries.max.wait.ms})
   */
  public record Settings(List<URI> urls, Optional<String> userInfo, Optional<SSLContext> sslContext,
      Duration connectTimeout, Duration readTimeout, int maxRetries, Duration retryWait, Duration retryMaxWait) {

    public Settings {
      urls = List.copyOf(urls);
      Objects.requireNonNull(userInfo, "userInfo");
      Objects.requireNonNull(sslContext, "sslContext");
      if (urls.isEmpty()) {
        throw new IllegalArgumentException("at least one schema registry URL is needed");
      }
      for (URI url : urls) {
        if (url.getScheme() == null || !url.getScheme().matches("https?") || url.getHost() == null) {
          throw new IllegalArgumentException("not an http(s) URL: " + redact(url));
        }
        if (url.getUserInfo() != null) {
          throw new IllegalArgumentException("credentials in the URL " + redact(url) + ": pass them as userInfo");
        }
      }
      if (maxRetries < 0 || maxRetries > 100) {
        throw new IllegalArgumentException("maxRetries must be between 0 and 100, got " + maxRetries);
      }
      requirePositive("connectTimeout", connectTimeout);
      requirePositive("readTimeout", readTimeout);
      requirePositive("retryWait", retryWait);
      requirePositive("retryMaxWait", retryMaxWait);
    }

    /** Defaults for {@code urls}: no auth, the JVM's TLS, 10 s timeouts, 3 retries waiting 1 s then 2 s. */
    public static Settings of(List<URI> urls) {
      return new Settings(urls, Optional.empty(), Optional.empty(), Duration.ofSeconds(10), Duration.ofSeconds(10),
          3, Duration.ofSeconds(1), Duration.ofSeconds(2));
    }

    private static void requirePositive(String name, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, got " + d);
      }
    }
  }

  /**
   * The answer of a compatibility test.
   *
   * @param compatible whether the schema may be registered under the subject
   * @param messages the registry's reasons when it is not (empty if the registry gave none)
   */
  public record Compatibility(boolean compatible, List<String> messages) {
    public Compatibility {
      messages = List.copyOf(messages);
    }
  }

  private final Settings settings;
  private final HttpClient http;
  private final String authorization;
  private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
  private final Map<String, Integer> idsBySubjectAndSchema = new ConcurrentHashMap<>();
  /** The last failed call's message and time (nanoTime), until a call gets an answer. */
  private volatile String outage;
  private volatile long outageAt;

  public SchemaRegistryClient(Settings settings) {
    this.settings = settings;
    HttpClient.Builder builder = HttpClient.newBuilder()
        .connectTimeout(settings.connectTimeout())
        // Never follow a redirect with our credentials.
        .followRedirects(HttpClient.Redirect.NEVER);
    settings.sslContext().ifPresent(builder::sslContext);
    this.http = builder.build();
    this.authorization = settings.userInfo()
        .map(u -> "Basic " + Base64.getEncoder().encodeToString(u.getBytes(StandardCharsets.UTF_8)))
        .orElse(null);
  }

  /**
   * Registers {@code schema} under {@code subject} ({@code POST /subjects/{subject}/versions}) and returns its
   * id. Registering a schema the subject already has returns the existing id.
   */
  public int register(String subject, Schema schema) {
    JsonNode answer = call("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
    int id = requireInt(answer, "id");
    remember(subject, schema, id);
    return id;
  }

  /** The schema with this id ({@code GET /schemas/ids/{id}}); cached. */
  public Schema schemaById(int id) {
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    JsonNode answer = call("GET", "/schemas/ids/" + id, null);
    JsonNode text = answer.get("schema");
    if (text == null || !text.isTextual()) {
      throw new SchemaRegistryException("the registry's answer for schema id " + id + " has no schema", 200, 0);
    }
    String type = answer.path("schemaType").asText("AVRO");
    if (!type.equals("AVRO")) {
      throw new SchemaRegistryException("schema id " + id + " is a " + type + " schema, not Avro", 200, 0);
    }
    Schema schema;
    try {
      schema = new Schema.Parser().parse(text.asText());
    } catch (SchemaParseException e) {
      throw new SchemaRegistryException("schema id " + id + " is not a valid Avro schema: " + e.getMessage(), 200, 0);
    }
    if (schemasById.size() < MAX_CACHED) {
      schemasById.put(id, schema);
    }
    return schema;
  }

  /**
   * The id of {@code schema} if it is registered under {@code subject} ({@code POST /subjects/{subject}}); empty
   * when the subject or the schema is not found (error codes 40401 and 40403). Found ids are cached.
   */
  public OptionalInt lookup(String subject, Schema schema) {
    Integer cached = idsBySubjectAndSchema.get(key(subject, schema));
    if (cached != null) {
      return OptionalInt.of(cached);
    }
    try {
      JsonNode answer = call("POST", "/subjects/" + encode(subject), schemaBody(schema));
      int id = requireInt(answer, "id");
      remember(subject, schema, id);
      return OptionalInt.of(id);
    } catch (SchemaRegistryException e) {
      if (e.status() == 404 && (e.errorCode() == 40401 || e.errorCode() == 40403 || e.errorCode() == 404)) {
        return OptionalInt.empty();
      }
      throw e;
    }
  }

  /**
   * Whether {@code schema} is compatible with the versions registered under {@code subject}, by the subject's
   * compatibility level ({@code POST /compatibility/subjects/{subject}/versions?verbose=true}); with
   * {@code FULL_TRANSITIVE}, that is every registered version. A subject with no versions accepts anything.
   */
  public Compatibility testCompatibility(String subject, Schema schema) {
    JsonNode answer;
    try {
      answer = call("POST", "/compatibility/subjects/" + encode(subject) + "/versions?verbose=true",
          schemaBody(schema));
    } catch (SchemaRegistryException e) {
      if (e.status() == 404 && e.errorCode() == 40401) {
        return new Compatibility(true, List.of());
      }
      throw e;
    }
    JsonNode compatible = answer.get("is_compatible");
    if (compatible == null || !compatible.isBoolean()) {
      throw new SchemaRegistryException("the registry's compatibility answer has no is_compatible", 200, 0);
    }
    List<String> messages = new ArrayList<>();
    answer.path("messages").forEach(m -> messages.add(m.asText()));
    return new Compatibility(compatible.asBoolean(), messages);
  }

  /**
   * Sets the compatibility level of {@code subject} ({@code PUT /config/{subject}}), such as
   * {@code FULL_TRANSITIVE}; returns the level the registry reports.
   */
  public String setCompatibility(String subject, String level) {
    ObjectNode body = JSON.createObjectNode().put("compatibility", level);
    JsonNode answer = call("PUT", "/config/" + encode(subject), body);
    return answer.path("compatibility").asText(level);
  }

  /**
   * The id of {@code schema} under {@code subject}, from the cache, else looked up, else registered when
   * {@code autoRegister} is true. A schema that is not registered (and not auto-registered) is a
   * {@link SchemaRegistryException} that says to run {@code ./tokenwarden schemas register}.
   */
  public int idFor(String subject, Schema schema, boolean autoRegister) {
    OptionalInt found = lookup(subject, schema);
    if (found.isPresent()) {
      return found.getAsInt();
    }
    if (autoRegister) {
      return register(subject, schema);
    }
    throw new SchemaRegistryException("the current " + schema.getName() + " schema is not registered under subject "
        + subject + " at " + describe() + ": run './tokenwarden schemas register'", 404, 40403);
  }

  /**
   * Why the registry is unreachable, if the last call that went to it got no answer within the last
   * {@link #OUTAGE_MEMORY}; empty otherwise. Whoever waits for the registry calls again well within that time, so
   * an outage lasts as long as someone is kept waiting, and not after the wait ended some other way (a partition
   * that moved to another instance).
   */
  public Optional<String> outage() {
    String current = outage;
    return current == null || System.nanoTime() - outageAt > OUTAGE_MEMORY.toNanos()
        ? Optional.empty() : Optional.of(current);
  }

  /** The registry's URLs, for messages; they never hold credentials. */
  public String describe() {
    return settings.urls().size() == 1 ? settings.urls().get(0).toString() : settings.urls().toString();
  }

  @Override
  public String toString() {
    return "SchemaRegistryClient[" + describe() + "]";
  }

  private JsonNode call(String method, String path, JsonNode body) {
    List<URI> urls = settings.urls();
    Duration wait = settings.retryWait();
    String lastProblem = null;
    Exception lastCause = null;
    for (int attempt = 0; attempt <= settings.maxRetries(); attempt++) {
      if (attempt > 0) {
        pause(wait);
        wait = min(wait.multipliedBy(2), settings.retryMaxWait());
      }
      URI base = urls.get(attempt % urls.size());
      URI uri = URI.create(stripSlash(base.toString()) + path);
      HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(settings.readTimeout())
          .header("Accept", ACCEPT);
      if (authorization != null) {
        request.header("Authorization", authorization);
      }
      if (body != null) {
        request.header("Content-Type", CONTENT_TYPE)
            .method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
      } else {
        request.method(method, HttpRequest.BodyPublishers.noBody());
      }
      HttpResponse<InputStream> response;
      byte[] bytes;
      try {
        response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
          bytes = in.readNBytes(MAX_RESPONSE_BYTES + 1);
        }
      } catch (IOException e) {
        lastProblem = method + " " + base + path + ": " + e.getClass().getSimpleName()
            + (e.getMessage() == null ? "" : " " + e.getMessage());
        lastCause = e;
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw unavailable("interrupted while calling the schema registry at " + describe(), e);
      }
      int status = response.statusCode();
      if (status == 408 || status == 429 || status >= 500) {
        lastProblem = method + " " + base + path + ": HTTP " + status + errorText(bytes);
        lastCause = null;
        continue;
      }
      outage = null;
      if (bytes.length > MAX_RESPONSE_BYTES) {
        throw new SchemaRegistryException("the registry's answer to " + method + " " + path + " is larger than "
            + MAX_RESPONSE_BYTES + " bytes", status, 0);
      }
      JsonNode answer = parse(bytes);
      if (status / 100 != 2) {
        int errorCode = answer != null && answer.path("error_code").isInt() ? answer.get("error_code").asInt() : status;
        String message = answer != null ? answer.path("message").asText("") : "";
        throw new SchemaRegistryException("schema registry " + describe() + " answered " + method + " " + path
            + " with HTTP " + status + " (error " + errorCode + (message.isEmpty() ? "" : ": " + message) + ")",
            status, errorCode);
      }
      if (answer == null) {
        throw new SchemaRegistryException("the registry's answer to " + method + " " + path + " is not JSON",
            status, 0);
      }
      return answer;
    }
    throw unavailable("schema registry " + describe() + " is unavailable after " + (settings.maxRetries() + 1)
        + " attempts; last: " + lastProblem, lastCause);
  }

  private SchemaRegistryUnavailableException unavailable(String message, Exception cause) {
    outageAt = System.nanoTime();
    outage = message;
    return new SchemaRegistryUnavailableException(message, cause);
  }

  private void remember(String subject, Schema schema, int id) {
    if (idsBySubjectAndSchema.size() < MAX_CACHED) {
      idsBySubjectAndSchema.put(key(subject, schema), id);
    }
    if (schemasById.size() < MAX_CACHED) {
      schemasById.putIfAbsent(id, schema);
    }
  }

  private static String key(String subject, Schema schema) {
    return subject + '\n' + schema;
  }

  /** The body of register, lookup and compatibility calls: the schema as a JSON string; Avro is the default type. */
  private static JsonNode schemaBody(Schema schema) {
    return JSON.createObjectNode().put("schema", schema.toString());
  }

  private static int requireInt(JsonNode answer, String field) {
    JsonNode value = answer.get(field);
    if (value == null || !value.canConvertToInt()) {
      throw new SchemaRegistryException("the registry's answer has no " + field, 200, 0);
    }
    return value.asInt();
  }

  private static JsonNode parse(byte[] bytes) {
    if (bytes.length == 0) {
      return null;
    }
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      return null;
    }
  }

  private static String errorText(byte[] bytes) {
    JsonNode answer = parse(bytes.length > MAX_RESPONSE_BYTES ? new byte[0] : bytes);
    String message = answer == null ? "" : answer.path("message").asText("");
    return message.isEmpty() ? "" : " (" + (message.length() > 200 ? message.substring(0, 200) : message) + ")";
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private void pause(Duration wait) {
    try {
      Thread.sleep(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable("interrupted while waiting to retry the schema registry at " + describe(), e);
    }
  }

  /** The URL without user info, for messages. */
  static String redact(URI url) {
    if (url.getUserInfo() == null) {
      return url.toString();
    }
    return url.getScheme() + "://***@" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort())
        + (url.getRawPath() == null ? "" : url.getRawPath());
  }
}
