package io.tokenwarden.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Binary samples written once by v1 of each schema must decode forever. To write a sample for a new type, run
 * with {@code -Dgolden.write=true}; never rewrite an existing one.
 */
class GoldenSampleTest {

  static Stream<String> types() {
    return ContractSamples.all().keySet().stream().sorted();
  }

  @ParameterizedTest
  @MethodSource("types")
  void committedSampleStillDecodes(String type) throws IOException {
    SpecificRecord expected = ContractSamples.all().get(type);
    String resource = "/golden/" + type + ".v1.bin";
    if (Boolean.getBoolean("golden.write")) {
      Path file = Path.of("src/test/resources" + resource);
      if (!Files.exists(file)) {
        Files.createDirectories(file.getParent());
        Files.write(file, ContractSamples.encode(expected));
      }
    }
    byte[] bytes;
    try (InputStream in = getClass().getResourceAsStream(resource)) {
      assertThat(in).as("golden sample %s", resource).isNotNull();
      bytes = in.readAllBytes();
    }
    assertThat(bytes[0]).isEqualTo((byte) 0xC3);
    assertThat(bytes[1]).isEqualTo((byte) 0x01);
    assertThat(ContractSamples.decode(expected.getClass(), bytes)).isEqualTo(expected);
  }
}
