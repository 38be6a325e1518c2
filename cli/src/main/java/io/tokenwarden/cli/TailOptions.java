package io.tokenwarden.cli;

import io.tokenwarden.contracts.Topic;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.runtime.config.BrokerAddress;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** {@code --follow} and {@code --json} of the commands that print a topic, and the reading they share. */
final class TailOptions {
  @Option(names = "--follow", description = "Keep printing as records arrive, until Ctrl-C.") boolean follow;
  @Option(names = "--json", description = "One JSON object per line, with the Avro field names.") boolean json;

  /** Reads the topic from the beginning: to its end, or on until Ctrl-C when {@code follow}. */
  <K, V> void read(CommandSpec spec, Function<Topics, Topic<K, V>> topic, boolean follow,
      Consumer<ConsumerRecord<K, V>> sink) {
    TokenwardenConfig config = CliContext.config(spec);
    String bootstrap = BrokerAddress.resolve(config);
    var stopped = CliContext.stoppedOnShutdown();
    TopicTail.read(config, bootstrap, topic.apply(config.topics()), follow, stopped::get, sink);
  }
}
