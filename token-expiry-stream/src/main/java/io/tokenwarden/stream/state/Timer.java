package io.tokenwarden.stream.state;

import java.util.Comparator;

/** One scheduled deadline of a connection. */
public record Timer(TimerKind kind, long due) {

  /** Earliest first; ties in {@link TimerKind} order. */
  public static final Comparator<Timer> BY_DUE = Comparator.comparingLong(Timer::due).thenComparing(Timer::kind);
}
