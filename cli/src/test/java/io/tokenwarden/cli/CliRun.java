package io.tokenwarden.cli;

import io.tokenwarden.runtime.config.Env;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** One in-process invocation of the {@code tokenwarden} command, with its exit code and output. */
record CliRun(int exitCode, String out, String err) {

  static CliRun run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = TokenwardenCli.commandLine(Env.of(env));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new CliRun(code, out.toString(), err.toString());
  }
}
