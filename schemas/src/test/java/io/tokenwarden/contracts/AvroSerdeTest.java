package io.tokenwarden.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.TokenLifecycleEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {

  private final AvroSerde<TokenLifecycleEvent> serde = AvroSerde.of(TokenLifecycleEvent.class);

  @Test
  void writesSingleObjectEncodingWithTheSchemaFingerprint() {
    byte[] bytes = serde.serializer().serialize("t", ContractSamples.lifecycle());
    assertThat(bytes[0]).isEqualTo((byte) 0xC3);
    assertThat(bytes[1]).isEqualTo((byte) 0x01);
    long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(fingerprint)
        .isEqualTo(SchemaNormalization.parsingFingerprint64(TokenLifecycleEvent.getClassSchema()));
    assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(ContractSamples.lifecycle());
  }

  @Test
  void tombstonesStayNull() {
    var statusSerde = AvroSerde.of(ConnectionStatus.class);
    assertThat(statusSerde.serializer().serialize("t", null)).isNull();
    assertThat(statusSerde.deserializer().deserialize("t", null)).isNull();
  }

  @Test
  void unknownFingerprintIsASerializationException() {
    byte[] bytes = serde.encode(ContractSamples.lifecycle());
    bytes[5] ^= 0x7f;
    assertThatThrownBy(() -> serde.decode(bytes))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("TokenLifecycleEvent");
  }

  @Test
  void garbageAndTruncatedBodiesAreSerializationExceptions() {
    assertThatThrownBy(() -> serde.decode("not avro at all".getBytes()))
        .isInstanceOf(SerializationException.class);
    byte[] bytes = serde.encode(ContractSamples.lifecycle());
    assertThatThrownBy(() -> serde.decode(Arrays.copyOf(bytes, 14)))
        .isInstanceOf(SerializationException.class);
  }

  @Test
  void aRecordOfAnotherTypeDoesNotDecodeAsThisOne() {
    byte[] statusBytes = AvroSerde.of(ConnectionStatus.class).encode(ContractSamples.status(2));
    assertThatThrownBy(() -> serde.decode(statusBytes)).isInstanceOf(SerializationException.class);
  }

  @Test
  @SuppressWarnings("unchecked")
  void encodesByteForByteAsAvrosMessageEncoder() throws Exception {
    for (SpecificRecord record : ContractSamples.all(2).values()) {
      Class<SpecificRecord> type = (Class<SpecificRecord>) record.getClass();
      SpecificData model = SpecificData.getForClass(type);
      ByteBuffer expected = new BinaryMessageEncoder<SpecificRecord>(model, model.getSchema(type)).encode(record);
      byte[] want = new byte[expected.remaining()];
      expected.get(want);
      assertThat(AvroSerde.of(type).encode(record)).as(type.getSimpleName()).isEqualTo(want);
    }
  }

  @Test
  void theReusedBufferGrowsForALargeRecordAndLeavesNothingForTheNext() {
    TokenLifecycleEvent small = ContractSamples.lifecycle();
    byte[] smallBytes = serde.encode(small);
    TokenLifecycleEvent large = TokenLifecycleEvent.newBuilder(small).setAccountId("a".repeat(200_000)).build();
    byte[] largeBytes = serde.encode(large);
    assertThat(largeBytes.length).isGreaterThan(200_000);
    assertThat(serde.decode(largeBytes)).isEqualTo(large);
    assertThat(serde.encode(small)).isEqualTo(smallBytes);
  }
}
