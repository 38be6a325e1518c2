package io.tokenwarden.runtime.ops;

/** A liveness or readiness check. */
@FunctionalInterface
public interface Health {

  /** The result of one check: whether it passed, and a short human-readable detail. */
  record Status(boolean ok, String detail) {
    public static Status up(String detail) {
      return new Status(true, detail);
    }

    public static Status down(String detail) {
      return new Status(false, detail);
    }
  }

  Status check();

  /** Passes only when every check passes; the detail lists each one. */
  static Health all(java.util.List<Health> checks) {
    return () -> {
      boolean ok = true;
      StringBuilder detail = new StringBuilder();
      for (Health h : checks) {
        Status s = h.check();
        ok &= s.ok();
        if (detail.length() > 0) {
          detail.append("; ");
        }
        detail.append(s.detail());
      }
      return new Status(ok, detail.toString());
    };
  }
}
