package io.tokenwarden.contracts;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** A serde of one Avro record type in one wire format, from its encode and decode; null (a tombstone) stays null. */
interface AvroCodec<T extends SpecificRecord> extends Serde<T> {

  byte[] encode(T record);

  T decode(byte[] bytes);

  @Override
  default Serializer<T> serializer() {
    return (topic, data) -> data == null ? null : encode(data);
  }

  @Override
  default Deserializer<T> deserializer() {
    return (topic, data) -> data == null ? null : decode(data);
  }
}
