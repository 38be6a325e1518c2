package io.tokenwarden.producer.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tokenwarden refresh --connection ID}: what the refresh icon does. */
@Command(name = "refresh", mixinStandardHelpOptions = true,
    description = "Ask for an immediate refresh of a connection's token.")
public final class RefreshCommandLine implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Option(names = "--connection", required = true, description = "Connection id.") String connection;
  @Option(names = "--requested-by", description = "Who asked, for audit.") String requestedBy;

  @Override
  public Integer call() throws Exception {
    PublisherSession session = PublishCommand.session(spec);
    session.validator.requireId("connectionId", connection);
    session.validator.requireRequestedBy(requestedBy);
    return PublishCommand.publish(spec, p -> p.refreshRequested(connection, requestedBy), session);
  }
}
