package io.tokenwarden.gateway.index;

import java.nio.charset.StandardCharsets;

/**
 * One event of a tenant's stream, encoded once and written to every client of the tenant.
 *
 * @param partition partition of the status record that caused it
 * @param offset offset of that record
 * @param id the event id: the position after this record (see {@link EventPosition})
 * @param kind {@code status} or {@code removed}
 * @param body the event's {@code event:} and {@code data:} lines, each ending in a newline
 * @param bytes the whole event as sent: the {@code id:} line, the body, and the blank line that ends it
 */
public record Frame(int partition, long offset, EventPosition id, String kind, byte[] body, byte[] bytes) {

  static Frame of(int partition, long offset, EventPosition id, String kind, byte[] json) {
    byte[] head = ("event: " + kind + "\ndata: ").getBytes(StandardCharsets.US_ASCII);
    byte[] body = new byte[head.length + json.length + 1];
    System.arraycopy(head, 0, body, 0, head.length);
    System.arraycopy(json, 0, body, head.length, json.length);
    body[body.length - 1] = '\n';
    return new Frame(partition, offset, id, kind, body, withId(id, body));
  }

  /** The event with {@code id} as its id line. */
  public static byte[] withId(EventPosition id, byte[] body) {
    byte[] idLine = ("id: " + id.text() + "\n").getBytes(StandardCharsets.US_ASCII);
    byte[] bytes = new byte[idLine.length + body.length + 1];
    System.arraycopy(idLine, 0, bytes, 0, idLine.length);
    System.arraycopy(body, 0, bytes, idLine.length, body.length);
    bytes[bytes.length - 1] = '\n';
    return bytes;
  }
}
