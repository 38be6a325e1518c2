package io.tokenwarden.bench;

import picocli.CommandLine;

/** Runs {@link BenchCommand} without the {@code tokenwarden} launcher. */
public final class BenchMain {

  private BenchMain() {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchCommand()).execute(args));
  }
}
