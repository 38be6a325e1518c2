package io.tokenwarden.cli;

import io.tokenwarden.contracts.SchemaRegistryClient;
import io.tokenwarden.contracts.SchemaRegistryException;
import io.tokenwarden.contracts.Topic;
import io.tokenwarden.runtime.config.ConfigException;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.config.WireFormats;
import java.io.PrintWriter;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import org.apache.avro.Schema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code tokenwarden schemas register} and {@code schemas check}: the current value schema of every topic under
 * its {@code <topic>-value} subject in the schema registry at {@code TOKENWARDEN_SCHEMA_REGISTRY_URL}.
 */
@Command(name = "schemas", description = "Register and check the topics' schemas in the schema registry.",
    subcommands = {SchemasCommand.Register.class, SchemasCommand.Check.class})
final class SchemasCommand {

  /** The level every subject is held to: each new schema reads and is read by every registered version. */
  static final String COMPATIBILITY = "FULL_TRANSITIVE";

  private SchemasCommand() {}

  static SchemaRegistryClient registry(TokenwardenConfig config) {
    return config.topics().wireFormat().registry()
        .orElseThrow(() -> new ConfigException(WireFormats.URL + " must be set"));
  }

  @Command(name = "register", mixinStandardHelpOptions = true,
      description = "Set each subject's compatibility to " + COMPATIBILITY + " and register the current schema;"
          + " idempotent.")
  static final class Register implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      TokenwardenConfig config = CliContext.config(spec);
      SchemaRegistryClient registry = registry(config);
      PrintWriter out = spec.commandLine().getOut();
      int failed = 0;
      for (Topic<?, ?> topic : config.topics().avroTopics()) {
        String subject = topic.valueSubject();
        Schema schema = topic.valueSchema().orElseThrow();
        try {
          registry.setCompatibility(subject, COMPATIBILITY);
          int id = registry.register(subject, schema);
          out.printf("registered %-40s %-20s id %d%n", subject, schema.getName(), id);
        } catch (SchemaRegistryException e) {
          failed++;
          spec.commandLine().getErr().println("error: " + subject + ": " + e.getMessage());
        }
      }
      out.flush();
      return failed == 0 ? 0 : 1;
    }
  }

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = "Ask the registry whether each current schema is compatible (" + COMPATIBILITY + ") with what"
          + " is registered; exit 1 with the reasons when one is not.")
  static final class Check implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      TokenwardenConfig config = CliContext.config(spec);
      SchemaRegistryClient registry = registry(config);
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      int incompatible = 0;
      for (Topic<?, ?> topic : config.topics().avroTopics()) {
        String subject = topic.valueSubject();
        Schema schema = topic.valueSchema().orElseThrow();
        var compatibility = registry.testCompatibility(subject, schema);
        if (!compatibility.compatible()) {
          incompatible++;
          err.println("incompatible " + subject + ": the current " + schema.getName() + " schema is not "
              + COMPATIBILITY + " compatible with the registered versions"
              + (compatibility.messages().isEmpty() ? "" : ":"));
          compatibility.messages().forEach(m -> err.println("  " + m));
          continue;
        }
        OptionalInt id = registry.lookup(subject, schema);
        out.printf("compatible %-40s %-20s %s%n", subject, schema.getName(),
            id.isPresent() ? "registered as id " + id.getAsInt() : "not registered yet");
      }
      out.flush();
      err.flush();
      return incompatible == 0 ? 0 : 1;
    }
  }
}
