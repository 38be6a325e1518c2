package io.tokenwarden.cli;

import io.tokenwarden.runtime.config.BrokerAddress;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.schema.ConnectionStatus;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tokenwarden status}: the connection statuses the UI shows. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Print connection statuses from connections.status, one line each.")
final class StatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Option(names = "--follow", description = "Keep printing status changes until Ctrl-C.") boolean follow;
  @Option(names = "--json", description = "One JSON object per line, with the Avro field names.") boolean json;

  @Override
  public Integer call() {
    TokenwardenConfig config = CliContext.config(spec);
    String bootstrap = BrokerAddress.resolve(config);
    PrintWriter out = spec.commandLine().getOut();
    AtomicBoolean stopped = CliContext.stoppedOnShutdown();
    if (follow) {
      if (!json) {
        out.println(StatusLine.HEADER);
      }
      TopicTail.read(config, bootstrap, config.topics().status, true, stopped::get, r -> {
        print(out, r.key(), r.value());
        out.flush();
      });
      return 0;
    }
    // Without --follow, print the latest status of each connection, as compaction would leave it.
    Map<String, ConnectionStatus> latest = new LinkedHashMap<>();
    TopicTail.read(config, bootstrap, config.topics().status, false, stopped::get, r -> {
      latest.remove(r.key());
      if (r.value() != null) {
        latest.put(r.key(), r.value());
      }
    });
    if (!json) {
      out.println(StatusLine.HEADER);
    }
    latest.forEach((k, v) -> print(out, k, v));
    return 0;
  }

  private void print(PrintWriter out, String key, ConnectionStatus status) {
    if (json) {
      out.println(status == null ? "{\"connectionId\":\"" + key + "\",\"removed\":true}" : JsonLine.of(status));
    } else {
      out.println(status == null ? StatusLine.removed(key) : StatusLine.of(status, Instant.now()));
    }
  }
}
