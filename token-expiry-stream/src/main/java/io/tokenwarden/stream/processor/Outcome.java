package io.tokenwarden.stream.processor;

import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.stream.state.Connection;
import java.util.List;

/**
 * What one event or timer did to a connection.
 *
 * @param next the connection's new state; null when it was removed or never existed
 * @param effect how the input was treated, for metrics and logs
 * @param events expiry events to emit
 * @param commands refresh commands to emit
 */
public record Outcome(Connection next, Effect effect, List<TokenExpiryEvent> events, List<RefreshCommand> commands) {

  /** How an input was treated. */
  public enum Effect {
    /** The state changed (or may have). */
    APPLIED,
    /** The event id was already applied. */
    DUPLICATE,
    /** A worker result for an older generation or command, or for a removed or revoked connection. */
    STALE,
    /** A refresh was requested for a connection no machine can renew. */
    NOT_RENEWABLE,
    /** Nothing to do: no such connection, or a command is already outstanding. */
    IGNORED,
    /** The connection was removed. */
    REMOVED
  }

  public Outcome {
    events = List.copyOf(events);
    commands = List.copyOf(commands);
  }

  static Outcome unchanged(Connection current, Effect effect) {
    return new Outcome(current, effect, List.of(), List.of());
  }
}
