package io.tokenwarden.stream.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class EventIdsTest {

  /** The ids are stored and compared downstream, so they must stay exactly the JDK's name-based UUIDs. */
  @Test
  void idsAreTheJdksNameBasedUuidsOfTheInputs() {
    for (String id : new String[] {"c-1", "", "ünïcödé-连接", "x".repeat(5000)}) {
      assertThat(EventIds.expiryEvent(id, 42, "EXPIRED")).isEqualTo(jdk(id + "|42|EXPIRED"));
      assertThat(EventIds.command(id, 7, 3)).isEqualTo(jdk(id + "|7|command|3"));
      assertThat(EventIds.digest(id)).isEqualTo(jdk("digest|" + id));
      long bits = UUID.nameUUIDFromBytes((id + "|9|jitter").getBytes(StandardCharsets.UTF_8))
          .getMostSignificantBits();
      assertThat(EventIds.fraction(id, 9, "jitter")).isEqualTo((bits >>> 11) / (double) (1L << 53))
          .isBetween(0.0, 1.0);
    }
  }

  @Test
  void aKnownIdNeverChanges() {
    // Written once from UUID.nameUUIDFromBytes; ids already on the topics must keep matching.
    assertThat(EventIds.expiryEvent("conn-1", 1, "EXPIRED")).isEqualTo(jdk("conn-1|1|EXPIRED"))
        .hasSize(36).matches("[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  }

  private static String jdk(String name) {
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
  }
}
