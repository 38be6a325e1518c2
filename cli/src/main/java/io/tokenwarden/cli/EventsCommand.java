package io.tokenwarden.cli;

import io.tokenwarden.runtime.config.BrokerAddress;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.schema.TokenExpiryEvent;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tokenwarden events}: the expiry events. */
@Command(name = "events", mixinStandardHelpOptions = true, description = "Print expiry events from tokens.expiry.")
final class EventsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Option(names = "--follow", description = "Keep printing new events until Ctrl-C.") boolean follow;
  @Option(names = "--json", description = "One JSON object per line, with the Avro field names.") boolean json;

  @Override
  public Integer call() {
    TokenwardenConfig config = CliContext.config(spec);
    String bootstrap = BrokerAddress.resolve(config);
    PrintWriter out = spec.commandLine().getOut();
    AtomicBoolean stopped = CliContext.stoppedOnShutdown();
    TopicTail.read(config, bootstrap, config.topics().expiry, follow, stopped::get, r -> {
      out.println(json ? JsonLine.of(r.value()) : line(r.value()));
      out.flush();
    });
    return 0;
  }

  static String line(TokenExpiryEvent e) {
    return String.format("%s %-22s %-24s %-10s %-16s expires %s (generation %d)", e.getEmittedAt(), e.getKind(),
        e.getConnectionId(), e.getProvider(), e.getAccountId(), e.getExpiresAt(), e.getGeneration());
  }
}
