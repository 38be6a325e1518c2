package io.tokenwarden.cli;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

/** Renders an Avro record as one line of JSON with the Avro field names; timestamps as ISO-8601 strings. */
final class JsonLine {

  private JsonLine() {}

  static String of(IndexedRecord record) {
    StringBuilder out = new StringBuilder();
    write(record, out);
    return out.toString();
  }

  private static void write(Object value, StringBuilder out) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof IndexedRecord record) {
      out.append('{');
      boolean first = true;
      for (Schema.Field field : record.getSchema().getFields()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        quote(field.name(), out);
        out.append(':');
        write(record.get(field.pos()), out);
      }
      out.append('}');
    } else if (value instanceof Boolean || value instanceof Number) {
      out.append(value);
    } else if (value instanceof Instant instant) {
      quote(instant.toString(), out);
    } else if (value instanceof ByteBuffer bytes) {
      // The remaining bytes only: a decoded buffer may be a window on a larger array.
      ByteBuffer window = bytes.duplicate();
      byte[] copy = new byte[window.remaining()];
      window.get(copy);
      quote(Base64.getEncoder().encodeToString(copy), out);
    } else if (value instanceof Collection<?> items) {
      out.append('[');
      boolean first = true;
      for (Object item : items) {
        if (!first) {
          out.append(',');
        }
        first = false;
        write(item, out);
      }
      out.append(']');
    } else {
      quote(value.toString(), out);
    }
  }

  private static void quote(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
