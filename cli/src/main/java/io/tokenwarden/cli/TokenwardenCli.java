package io.tokenwarden.cli;

import io.tokenwarden.contracts.SchemaRegistryException;
import io.tokenwarden.contracts.SchemaRegistryUnavailableException;
import io.tokenwarden.producer.InvalidEventException;
import io.tokenwarden.producer.cli.PublishCommand;
import io.tokenwarden.producer.cli.RefreshCommandLine;
import io.tokenwarden.runtime.cli.CliEnvironment;
import io.tokenwarden.runtime.config.ConfigException;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.topics.TopicVerificationException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tokenwarden} command: every subcommand of the launcher script at the repository root. */
@Command(name = "tokenwarden", mixinStandardHelpOptions = true, version = "tokenwarden 0.1.0",
    description = "OAuth token lifecycle on Kafka.",
    footer = "%nThe benchmarks are not in this jar: ./tokenwarden bench --help runs them from bench/target/tokenwarden-bench.jar.",
    subcommands = {DemoCommand.class, RunCommand.class, TopicsCommand.class, PublishCommand.class,
        RefreshCommandLine.class, StatusCommand.class, EventsCommand.class, KafkaCommand.class,
        SchemasCommand.class})
public final class TokenwardenCli implements CliEnvironment, Runnable {

  /** Exit code for bad arguments, bad configuration and invalid events. */
  public static final int EXIT_USAGE = 2;

  private final Env env;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public TokenwardenCli(Env env) {
    this.env = env;
  }

  @Override
  public Env env() {
    return env;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  /** A command line for {@code env}, with our error handling. */
  public static CommandLine commandLine(Env env) {
    CommandLine cli = new CommandLine(new TokenwardenCli(env));
    cli.setParameterExceptionHandler((ex, args) -> {
      CommandLine cmd = ex.getCommandLine();
      cmd.getErr().println("error: " + ex.getMessage());
      CommandLine.UnmatchedArgumentException.printSuggestions(ex, cmd.getErr());
      cmd.usage(cmd.getErr());
      return EXIT_USAGE;
    });
    cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      if (ex instanceof InvalidEventException || ex instanceof ConfigException) {
        cmd.getErr().println("error: " + ex.getMessage());
        if (ex instanceof InvalidEventException) {
          cmd.usage(cmd.getErr());
        }
        return EXIT_USAGE;
      }
      Throwable registry = registryProblem(ex);
      if (registry != null) {
        cmd.getErr().println("error: " + registry.getMessage());
        return 1;
      }
      if (ex instanceof TopicVerificationException) {
        cmd.getErr().println("error: topics do not match the catalogue:\n" + ex.getMessage());
        return 1;
      }
      throw ex;
    });
    return cli;
  }

  /** The schema registry's outage or error behind {@code ex}, if that is what it is. */
  private static Throwable registryProblem(Throwable ex) {
    for (Throwable t = ex; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof SchemaRegistryUnavailableException || t instanceof SchemaRegistryException) {
        return t;
      }
    }
    return null;
  }

  public static void main(String[] args) {
    org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
    org.slf4j.bridge.SLF4JBridgeHandler.install();
    System.exit(commandLine(Env.system()).execute(args));
  }
}
