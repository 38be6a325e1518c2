package io.tokenwarden.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/** The figures of one scenario, printed and appended to {@code target/fault-logs/figures.md} for the README. */
record Figures(String fault, String injected, long checked, long lost, long shownTwice, String notes) {

  /** Prints the row and appends it to the figures file. */
  Figures report() {
    String row = "| " + fault + " | " + injected + " | " + checked + " | " + lost + " | " + shownTwice + " | "
        + notes + " |";
    System.out.println("FIGURES " + Instant.now() + " " + row);
    try {
      Files.createDirectories(FaultSystem.logsDir());
      Files.writeString(FaultSystem.logsDir().resolve("figures.md"), row + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      System.out.println("cannot write figures: " + e);
    }
    return this;
  }
}
