package io.tokenwarden.stream.state;

/**
 * The deadlines a connection can have. Declaration order breaks ties between timers due at the same moment:
 * a refresh is commanded before a warning, and a warning is raised before the expiry. The codes are stored in
 * the connection state, so they never change.
 */
public enum TimerKind {
  REFRESH((byte) 1),
  KEEP_ALIVE((byte) 2),
  RETRY((byte) 3),
  WARN((byte) 4),
  EXPIRE((byte) 5),
  REFRESH_TOKEN_WARN((byte) 6),
  REFRESH_TOKEN_EXPIRE((byte) 7),
  /** The outstanding refresh command's deadline: unanswered by then, it is abandoned and the next attempt made. */
  COMMAND_TIMEOUT((byte) 8);

  private final byte code;

  TimerKind(byte code) {
    this.code = code;
  }

  /** The byte that identifies this kind in the stored state. */
  public byte code() {
    return code;
  }

  /** The bit of this kind in a fired-timers mask. */
  public int bit() {
    return 1 << code;
  }

  public static TimerKind fromCode(byte code) {
    for (TimerKind kind : values()) {
      if (kind.code == code) {
        return kind;
      }
    }
    throw new IllegalArgumentException("unknown timer kind code " + code);
  }
}
