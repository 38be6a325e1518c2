package io.tokenwarden.gateway.index;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/** The JSON of a status, as the API and the event stream serve it (described in {@code openapi.json}). */
public final class StatusJson {

  private static final JsonFactory JSON = new JsonFactory();

  private StatusJson() {}

  /** The status as a JSON object, UTF-8. */
  public static byte[] of(StatusView v) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      write(g, v);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Writes the status as one JSON object. */
  public static void write(JsonGenerator g, StatusView v) throws IOException {
    g.writeStartObject();
    g.writeStringField("connectionId", v.connectionId());
    g.writeStringField("tenantId", v.tenantId());
    g.writeStringField("provider", v.provider());
    g.writeStringField("providerName", StatusWording.providerName(v.provider()));
    g.writeStringField("accountId", v.accountId());
    g.writeStringField("state", v.state().name());
    g.writeStringField("stateLabel", StatusWording.stateLabel(v.state()));
    g.writeBooleanField("attention", v.attention());
    g.writeStringField("reason", v.reason());
    g.writeStringField("message", StatusWording.message(v));
    g.writeBooleanField("renewable", v.renewable());
    g.writeBooleanField("refreshing", v.refreshing());
    time(g, "refreshingSince", v.refreshingSince());
    time(g, "expiresAt", v.expiresAt());
    time(g, "refreshTokenExpiresAt", v.refreshTokenExpiresAt());
    time(g, "lastRefreshedAt", v.lastRefreshedAt());
    time(g, "updatedAt", v.updatedAt());
    g.writeNumberField("generation", v.generation());
    g.writeEndObject();
  }

  /** {@code {"connectionId": id}}, the body of a removal. */
  public static byte[] removal(String connectionId) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("connectionId", connectionId);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** A generator over {@code out}, for documents that hold statuses. */
  public static JsonGenerator generator(ByteArrayOutputStream out) {
    try {
      return JSON.createGenerator(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void time(JsonGenerator g, String name, long millis) throws IOException {
    if (millis == StatusView.NONE) {
      g.writeNullField(name);
    } else {
      g.writeStringField(name, Instant.ofEpochMilli(millis).toString());
    }
  }
}
