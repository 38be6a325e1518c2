package io.tokenwarden.gateway.http;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test client of the event stream that parses Server-Sent Events as the specification says (fields, blank
 * line ends an event, {@code :} starts a comment), independently of the gateway's code.
 */
final class SseClient implements AutoCloseable {

  /** One event: its id (null if none), type and data. */
  record Event(String id, String event, String data) {}

  final int status;
  final List<Event> events = new CopyOnWriteArrayList<>();
  final List<String> comments = new CopyOnWriteArrayList<>();
  volatile boolean ended;
  private final InputStream body;
  private final Thread reader;

  private SseClient(HttpResponse<InputStream> response) {
    this.status = response.statusCode();
    this.body = response.body();
    this.reader = new Thread(this::read, "sse-test-client");
    reader.setDaemon(true);
    reader.start();
  }

  static SseClient open(HttpClient http, String url, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .header("Accept", "text/event-stream");
    headers.forEach(b::header);
    return new SseClient(http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream()));
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String id = null;
      String type = null;
      StringBuilder data = null;
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.isEmpty()) {
          if (data != null) {
            events.add(new Event(id, type == null ? "message" : type, data.toString()));
          }
          id = null;
          type = null;
          data = null;
        } else if (line.startsWith(":")) {
          comments.add(line.substring(1).trim());
        } else {
          int colon = line.indexOf(':');
          String field = colon < 0 ? line : line.substring(0, colon);
          String value = colon < 0 ? "" : line.substring(colon + 1).startsWith(" ")
              ? line.substring(colon + 2) : line.substring(colon + 1);
          switch (field) {
            case "id" -> id = value;
            case "event" -> type = value;
            case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            default -> { }
          }
        }
      }
    } catch (IOException e) {
      // Closed by the test or the server.
    } finally {
      ended = true;
    }
  }

  List<Event> of(String type) {
    return events.stream().filter(e -> e.event().equals(type)).toList();
  }

  Event last() {
    return events.get(events.size() - 1);
  }

  @Override
  public void close() {
    try {
      body.close();
    } catch (IOException ignored) {
      // Already closed.
    }
  }
}
