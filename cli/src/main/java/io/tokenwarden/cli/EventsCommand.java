package io.tokenwarden.cli;

import io.tokenwarden.schema.TokenExpiryEvent;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tokenwarden events}: the expiry events. */
@Command(name = "events", mixinStandardHelpOptions = true, description = "Print expiry events from tokens.expiry.")
final class EventsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin TailOptions options;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    options.read(spec, topics -> topics.expiry, options.follow, r -> {
      out.println(options.json ? JsonLine.of(r.value()) : line(r.value()));
      out.flush();
    });
    return 0;
  }

  static String line(TokenExpiryEvent e) {
    return String.format("%s %-22s %-24s %-10s %-16s expires %s (generation %d)", e.getEmittedAt(), e.getKind(),
        e.getConnectionId(), e.getProvider(), e.getAccountId(), e.getExpiresAt(), e.getGeneration());
  }
}
