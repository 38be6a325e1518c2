package io.tokenwarden.cli;

import io.tokenwarden.runtime.config.BrokerAddress;
import io.tokenwarden.runtime.config.KafkaClients;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.topics.TopicAdmin;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tokenwarden topics create}. */
@Command(name = "topics", description = "Manage Tokenwarden's topics.", subcommands = TopicsCommand.Create.class)
final class TopicsCommand {

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create the missing topics and verify the existing ones.")
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--replication-factor", description = "For created topics; default: the broker's default.")
    short replicationFactor = -1;

    @Override
    public Integer call() throws Exception {
      TokenwardenConfig config = CliContext.config(spec);
      String bootstrap = BrokerAddress.resolve(config);
      try (Admin admin = Admin.create(KafkaClients.base(config, bootstrap))) {
        var report = new TopicAdmin(admin, replicationFactor).ensure(config.topics());
        var out = spec.commandLine().getOut();
        report.created().forEach(t -> out.println("created  " + t));
        report.verified().forEach(t -> out.println("verified " + t));
      }
      return 0;
    }
  }
}
