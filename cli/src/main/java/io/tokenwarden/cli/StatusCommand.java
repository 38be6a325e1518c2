package io.tokenwarden.cli;

import io.tokenwarden.schema.ConnectionStatus;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tokenwarden status}: the connection statuses the UI shows. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Print connection statuses from connections.status, one line each.")
final class StatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin TailOptions options;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (options.follow) {
      if (!options.json) {
        out.println(StatusLine.HEADER);
      }
      options.read(spec, topics -> topics.status, true, r -> {
        print(out, r.key(), r.value());
        out.flush();
      });
      return 0;
    }
    // Without --follow, print the latest status of each connection, as compaction would leave it.
    Map<String, ConnectionStatus> latest = new LinkedHashMap<>();
    options.read(spec, topics -> topics.status, false, r -> {
      latest.remove(r.key());
      if (r.value() != null) {
        latest.put(r.key(), r.value());
      }
    });
    if (!options.json) {
      out.println(StatusLine.HEADER);
    }
    latest.forEach((k, v) -> print(out, k, v));
    return 0;
  }

  private void print(PrintWriter out, String key, ConnectionStatus status) {
    if (options.json) {
      out.println(status == null ? "{\"connectionId\":\"" + key + "\",\"removed\":true}" : JsonLine.of(status));
    } else {
      out.println(status == null ? StatusLine.removed(key) : StatusLine.of(status, Instant.now()));
    }
  }
}
