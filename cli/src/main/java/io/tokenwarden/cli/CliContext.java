package io.tokenwarden.cli;

import io.tokenwarden.runtime.cli.CliEnvironment;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Model.CommandSpec;

/** What every subcommand reads from the root command: the environment and the settings parsed from it. */
final class CliContext {

  private CliContext() {}

  static Env env(CommandSpec spec) {
    return ((CliEnvironment) spec.root().userObject()).env();
  }

  static TokenwardenConfig config(CommandSpec spec) {
    return TokenwardenConfig.from(env(spec));
  }

  /** A flag that becomes true when the JVM shuts down (Ctrl-C), for loops that follow a topic. */
  static AtomicBoolean stoppedOnShutdown() {
    AtomicBoolean stopped = new AtomicBoolean();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stopped.set(true), "tokenwarden-follow-stop"));
    return stopped;
  }
}
