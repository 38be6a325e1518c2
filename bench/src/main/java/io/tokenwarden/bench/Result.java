package io.tokenwarden.bench;

/**
 * One row of the results table.
 *
 * @param scenario the scenario name, such as {@code burst}
 * @param subject what ran it, such as {@code tokenwarden 1 thread} or {@code pg-poll 100ms x2}
 * @param value the headline number with its unit, or empty when skipped or failed
 * @param details the other numbers and the parameters of this row
 * @param skipped why the row has no number, or null
 */
public record Result(String scenario, String subject, String value, String details, String skipped) {

  public static Result of(String scenario, String subject, String value, String details) {
    return new Result(scenario, subject, value, details, null);
  }

  public static Result skipped(String scenario, String subject, String reason) {
    return new Result(scenario, subject, "", "", reason);
  }

  /** The name {@code --only} selects this row by: the baseline for baseline rows, else the scenario. */
  public String group() {
    if (subject.startsWith("eos-pass-through")) {
      return "eos-pass-through";
    }
    return subject.startsWith("pg-poll") ? "pg-poll" : scenario;
  }

  public boolean hasNumber() {
    return skipped == null && value.matches(".*\\d.*");
  }
}
