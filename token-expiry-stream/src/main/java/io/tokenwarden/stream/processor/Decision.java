package io.tokenwarden.stream.processor;

import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.stream.state.Connection;
import io.tokenwarden.stream.state.Timer;
import java.util.List;

/**
 * Everything that follows from one input to one connection, decided before anything is applied. The processor
 * stores {@link #next}, forwards the records, updates the deadline index and the meters, in that order, and asks
 * nothing else.
 *
 * @param effect how the input was treated
 * @param next the state to keep; null when there is none (removed, or never existed)
 * @param store what to do with the store: write {@code next}, delete the key, or nothing
 * @param events expiry events to emit
 * @param commands refresh commands to emit
 * @param status the status record to emit, null for none
 * @param tombstone whether to emit a tombstone on {@code connections.status} (a removal)
 * @param timersRemoved timers of the previous state to take out of the deadline index
 * @param timersAdded timers of {@code next} to put into the index, with {@code next}'s generation
 * @param before what a user saw before, for the gauges; null if there was no connection
 * @param after what a user sees now; null if there is no connection
 * @param signals what else to count
 */
public record Decision(
    Effect effect,
    Connection next,
    Store store,
    List<TokenExpiryEvent> events,
    List<RefreshCommand> commands,
    ConnectionStatus status,
    boolean tombstone,
    List<Timer> timersRemoved,
    List<Timer> timersAdded,
    ConnectionView.Shown before,
    ConnectionView.Shown after,
    List<Signal> signals) {

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
    /** Nothing to do: no such connection, or a command is already outstanding and not overdue. */
    IGNORED,
    /** The connection was removed. */
    REMOVED
  }

  /** What to do with the connections store. */
  public enum Store { PUT, DELETE, NONE }

  /** Things to count besides the effect and the emitted records. */
  public enum Signal {
    /** The connection's provider is not configured here; it got the generic default policy. */
    UNKNOWN_PROVIDER,
    /** An outstanding command passed its deadline and was abandoned. */
    COMMAND_TIMED_OUT
  }

  /** Nothing changes; the state, if any, stays as it is. */
  static Decision unchanged(Connection current, Effect effect, ConnectionView.Shown shown, List<Signal> signals) {
    return new Decision(effect, current, Store.NONE, List.of(), List.of(), null, false, List.of(), List.of(), shown,
        shown, signals);
  }
}
