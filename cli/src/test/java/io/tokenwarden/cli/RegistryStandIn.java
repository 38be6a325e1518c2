package io.tokenwarden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * Stands in for a schema registry: the five calls of Confluent's REST API that Tokenwarden makes, with their
 * documented shapes ("Schema Registry API Reference", docs.confluent.io/platform/current/schema-registry/develop/api.html),
 * and their state: global ids (one per distinct schema, as Confluent assigns them), versions per subject, and
 * compatibility levels, of which {@code FULL_TRANSITIVE} is enforced with Avro's own compatibility check.
 * {@link #down(boolean)} makes every call answer 503, as a registry that is restarting does.
 */
final class RegistryStandIn implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern VERSIONS = Pattern.compile("/subjects/([^/]+)/versions");
  private static final Pattern SUBJECT = Pattern.compile("/subjects/([^/]+)");
  private static final Pattern BY_ID = Pattern.compile("/schemas/ids/(\\d+)");
  private static final Pattern COMPATIBILITY = Pattern.compile("/compatibility/subjects/([^/]+)/versions");
  private static final Pattern CONFIG = Pattern.compile("/config/([^/]+)");

  private final HttpServer server;
  private final Map<Integer, String> schemasById = new HashMap<>();
  private final Map<String, Integer> idsBySchema = new HashMap<>();
  private final Map<String, List<Integer>> versions = new HashMap<>();
  private final Map<String, String> levels = new HashMap<>();
  private final AtomicInteger requests = new AtomicInteger();
  private volatile boolean down;

  private RegistryStandIn(HttpServer server) {
    this.server = server;
  }

  static RegistryStandIn start() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    RegistryStandIn registry = new RegistryStandIn(server);
    server.createContext("/", registry::handle);
    server.start();
    return registry;
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** While down, every call answers 503. */
  void down(boolean down) {
    this.down = down;
  }

  int requests() {
    return requests.get();
  }

  /** The schema registered under this id, parsed; as a consumer would fetch it. */
  synchronized Schema schema(int id) {
    String text = schemasById.get(id);
    return text == null ? null : new Schema.Parser().parse(text);
  }

  /** Registers a schema directly, as another team's producer would have; returns its id. */
  synchronized int register(String subject, Schema schema) {
    return register(subject, schema.toString()).get("id").asInt();
  }

  /** The ids registered under a subject, oldest first. */
  synchronized List<Integer> ids(String subject) {
    return List.copyOf(versions.getOrDefault(subject, List.of()));
  }

  private void handle(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    try (exchange) {
      if (down) {
        respond(exchange, 503, error(50003, "stand-in registry is down"));
        return;
      }
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      JsonNode body = method.equals("GET") ? null : JSON.readTree(exchange.getRequestBody().readAllBytes());
      Matcher m;
      ObjectNode answer;
      synchronized (this) {
        if (method.equals("POST") && (m = VERSIONS.matcher(path)).matches()) {
          answer = register(m.group(1), body.get("schema").asText());
        } else if (method.equals("POST") && (m = COMPATIBILITY.matcher(path)).matches()) {
          answer = compatibility(m.group(1), body.get("schema").asText());
        } else if (method.equals("POST") && (m = SUBJECT.matcher(path)).matches()) {
          answer = lookup(m.group(1), body.get("schema").asText());
        } else if (method.equals("GET") && (m = BY_ID.matcher(path)).matches()) {
          String schema = schemasById.get(Integer.parseInt(m.group(1)));
          answer = schema == null ? error(40403, "Schema not found") : JSON.createObjectNode().put("schema", schema);
        } else if (method.equals("PUT") && (m = CONFIG.matcher(path)).matches()) {
          levels.put(m.group(1), body.get("compatibility").asText());
          answer = JSON.createObjectNode().put("compatibility", body.get("compatibility").asText());
        } else {
          answer = error(404, "no such endpoint in the stand-in: " + method + " " + path);
        }
      }
      int code = answer.path("error_code").asInt(0);
      respond(exchange, code == 0 ? 200 : code >= 1000 ? code / 100 : code, answer);
    }
  }

  private ObjectNode register(String subject, String text) {
    String canonical = new Schema.Parser().parse(text).toString();
    List<Integer> ids = versions.computeIfAbsent(subject, s -> new ArrayList<>());
    Integer existing = idsBySchema.get(canonical);
    if (existing != null && ids.contains(existing)) {
      return JSON.createObjectNode().put("id", existing);
    }
    List<String> problems = problems(subject, canonical);
    if (!problems.isEmpty()) {
      return error(409, "Schema being registered is incompatible with an earlier schema: " + problems);
    }
    int id = existing != null ? existing : idsBySchema.computeIfAbsent(canonical, c -> schemasById.size() + 1);
    schemasById.put(id, canonical);
    ids.add(id);
    return JSON.createObjectNode().put("id", id);
  }

  private ObjectNode lookup(String subject, String text) {
    List<Integer> ids = versions.get(subject);
    if (ids == null) {
      return error(40401, "Subject '" + subject + "' not found.");
    }
    Integer id = idsBySchema.get(new Schema.Parser().parse(text).toString());
    if (id == null || !ids.contains(id)) {
      return error(40403, "Schema not found");
    }
    return JSON.createObjectNode().put("subject", subject).put("id", id).put("version", ids.indexOf(id) + 1)
        .put("schema", schemasById.get(id));
  }

  private ObjectNode compatibility(String subject, String text) {
    List<String> problems = problems(subject, new Schema.Parser().parse(text).toString());
    ObjectNode answer = JSON.createObjectNode().put("is_compatible", problems.isEmpty());
    problems.forEach(answer.putArray("messages")::add);
    return answer;
  }

  /** FULL_TRANSITIVE: the new schema reads every registered version and each of them reads it. */
  private List<String> problems(String subject, String canonical) {
    List<String> problems = new ArrayList<>();
    if (!"FULL_TRANSITIVE".equals(levels.get(subject))) {
      return problems;
    }
    Schema candidate = new Schema.Parser().parse(canonical);
    for (int id : versions.getOrDefault(subject, List.of())) {
      Schema old = new Schema.Parser().parse(schemasById.get(id));
      for (var check : List.of(SchemaCompatibility.checkReaderWriterCompatibility(candidate, old),
          SchemaCompatibility.checkReaderWriterCompatibility(old, candidate))) {
        check.getResult().getIncompatibilities().forEach(i -> problems.add(i.getType() + " at " + i.getLocation()
            + ": " + i.getMessage()));
      }
    }
    return problems;
  }

  private static ObjectNode error(int code, String message) {
    return JSON.createObjectNode().put("error_code", code).put("message", message);
  }

  private static void respond(HttpExchange exchange, int status, JsonNode body) throws IOException {
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
