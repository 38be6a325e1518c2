package io.tokenwarden.cli;

import io.tokenwarden.schema.ConnectionStatus;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * The demo's view of {@code connections.status}. On a terminal it redraws a table in place every second;
 * otherwise (a pipe, a test) it prints one line per status change.
 */
final class StatusBoard {

  private final PrintWriter out;
  private final boolean redraw;
  private final String footer;
  private final Map<String, ConnectionStatus> latest = new TreeMap<>();

  StatusBoard(PrintWriter out, boolean redraw, String footer) {
    this.out = out;
    this.redraw = redraw;
    this.footer = footer;
    if (!redraw) {
      out.println(StatusLine.HEADER);
    }
  }

  synchronized void update(String connectionId, ConnectionStatus status) {
    if (status == null) {
      latest.remove(connectionId);
    } else {
      latest.put(connectionId, status);
    }
    if (!redraw) {
      out.println(status == null ? StatusLine.removed(connectionId) : StatusLine.of(status, Instant.now()));
      out.flush();
    }
  }

  /** Redraws the table (terminal mode only). */
  synchronized void render() {
    if (!redraw) {
      return;
    }
    Instant now = Instant.now();
    StringBuilder screen = new StringBuilder("\033[H\033[2J");
    screen.append("Tokenwarden demo: connections.status, live (Ctrl-C stops)\n\n");
    screen.append(StatusLine.HEADER).append('\n');
    latest.values().forEach(s -> screen.append(StatusLine.of(s, now)).append('\n'));
    long attention = latest.values().stream().filter(ConnectionStatus::getAttention).count();
    screen.append('\n').append(attention).append(" of ").append(latest.size())
        .append(" connections need a human (!)\n").append(footer).append('\n');
    out.print(screen);
    out.flush();
  }
}
