package io.tokenwarden.gateway.index;

import java.nio.charset.StandardCharsets;

/**
 * One event of a tenant's stream, encoded once and written to every client of the tenant.
 *
 * @param partition partition of the status record that caused it
 * @param offset offset of that record
 * @param id the event id: the position after this record (see {@link EventPosition})
 * @param kind {@code status} or {@code removed}
 * @param body the event's {@code event:} and {@code data:} lines, each ending in a newline; the {@code id:}
 *     line and the blank line that ends the event are written around it
 */
public record Frame(int partition, long offset, EventPosition id, String kind, byte[] body) {

  static Frame of(int partition, long offset, EventPosition id, String kind, byte[] json) {
    byte[] head = ("event: " + kind + "\ndata: ").getBytes(StandardCharsets.US_ASCII);
    byte[] body = new byte[head.length + json.length + 1];
    System.arraycopy(head, 0, body, 0, head.length);
    System.arraycopy(json, 0, body, head.length, json.length);
    body[body.length - 1] = '\n';
    return new Frame(partition, offset, id, kind, body);
  }
}
