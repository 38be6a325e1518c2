package io.tokenwarden.runtime.cli;

import io.tokenwarden.runtime.config.Env;

/**
 * Implemented by the root {@code tokenwarden} command so that subcommands in other modules reach the
 * environment without reading {@code System.getenv()} themselves; tests pass their own.
 */
public interface CliEnvironment {

  /** The environment variables this invocation runs with. */
  Env env();
}
