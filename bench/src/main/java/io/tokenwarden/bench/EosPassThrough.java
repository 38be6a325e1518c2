package io.tokenwarden.bench;

import io.tokenwarden.contracts.Topics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The honest ceiling of the expiry stream's design, for the {@code eos-pass-through} baseline: a Kafka Streams
 * topology that, per lifecycle record, does one store {@code put} and produces one record to the status topic,
 * as the expiry stream does for a {@code TokenIssued} (one status, no expiry event), and nothing else: no
 * decoding, no index, no decision. Run with the same properties as the expiry stream, {@code exactly_once_v2}
 * included.
 */
final class EosPassThrough {

  static final String STORE = "pass-through";

  private EosPassThrough() {}

  /** @param statusBytes the size of the record produced per input, that of the expiry stream's status records */
  static Topology topology(Topics topics, int statusBytes) {
    byte[] status = new byte[statusBytes];
    Topology t = new Topology();
    t.addSource("source", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(),
        topics.lifecycle.name());
    t.addProcessor("put", () -> new Put(status), "source");
    t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.ByteArray(),
        Serdes.ByteArray()), "put");
    t.addSink("status", topics.status.name(), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(),
        "put");
    return t;
  }

  private static final class Put implements Processor<byte[], byte[], byte[], byte[]> {
    private final byte[] status;
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<byte[], byte[]> store;

    Put(byte[] status) {
      this.status = status;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
      this.context = context;
      this.store = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
      store.put(record.key(), record.value());
      context.forward(record.withValue(status));
    }
  }
}
