package io.tokenwarden.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A binary sample written once by every released version of each schema must decode forever. To write the
 * sample of a new version, run with {@code -Dgolden.write=true}; never rewrite an existing one.
 */
class GoldenSampleTest {

  static Stream<Arguments> versions() {
    return SchemaHistory.CURRENT.keySet().stream().sorted().flatMap(type ->
        IntStream.rangeClosed(1, SchemaHistory.versions(type).size()).mapToObj(v -> Arguments.of(type, v)));
  }

  @ParameterizedTest(name = "{0} v{1}")
  @MethodSource("versions")
  void committedSampleStillDecodes(String type, int version) throws IOException {
    SpecificRecord expected = ContractSamples.all(version).get(type);
    String resource = "/golden/" + type + ".v" + version + ".bin";
    boolean latest = version == SchemaHistory.versions(type).size();
    if (Boolean.getBoolean("golden.write") && latest) {
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
