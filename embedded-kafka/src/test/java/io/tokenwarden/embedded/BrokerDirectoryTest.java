package io.tokenwarden.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every directory a user can break, refused before Kafka runs, in one line that names it and says what to do. */
class BrokerDirectoryTest {

  @TempDir Path tmp;

  @Test
  void aNewDirectoryIsCreatedLockedAndHasNoClusterIdYet() {
    Path root = tmp.resolve("new/kafka");
    try (BrokerDirectory dir = BrokerDirectory.open(root)) {
      assertThat(root).isDirectory();
      assertThat(dir.clusterId()).isEmpty();
      assertThat(dir.lastPorts().broker()).isEmpty();
    }
  }

  @Test
  void theClusterIdAndPortsOfTheLastStartAreReadBack() throws Exception {
    Path logDir = Files.createDirectories(tmp.resolve(BrokerDirectory.LOG_DIR));
    Files.writeString(logDir.resolve("meta.properties"), "version=1\nnode.id=0\ncluster.id=59-8ESb5SbGJZvfTBc-o6w\n"
        + "directory.id=CPTYJM24AW5s7x0hnehOrA\n");
    try (BrokerDirectory dir = BrokerDirectory.open(tmp)) {
      dir.recordPorts(41234, 41235);
    }
    try (BrokerDirectory dir = BrokerDirectory.open(tmp)) {
      assertThat(dir.clusterId()).hasValue("59-8ESb5SbGJZvfTBc-o6w");
      assertThat(dir.lastPorts()).isEqualTo(new BrokerDirectory.Ports(OptionalInt.of(41234), OptionalInt.of(41235)));
    }
  }

  @Test
  void aFileWhereTheDirectoryShouldBe() throws Exception {
    Path file = Files.writeString(tmp.resolve("kafka"), "not a directory");
    assertRefused(file, file, "it is a file, not a directory", "move the file away");
  }

  @Test
  void aFileWhereTheLogDirectoryShouldBe() throws Exception {
    Files.writeString(tmp.resolve(BrokerDirectory.LOG_DIR), "");
    assertRefused(tmp, tmp.resolve(BrokerDirectory.LOG_DIR), "it is a file, not a directory", "move the file away");
  }

  @Test
  void aMetaPropertiesWithoutClusterId() throws Exception {
    Path logDir = Files.createDirectories(tmp.resolve(BrokerDirectory.LOG_DIR));
    Files.writeString(logDir.resolve("meta.properties"), "version=1\nnode.id=0\n");
    assertRefused(tmp, logDir, "its meta.properties has no cluster.id", "delete " + tmp + " to start an empty broker");
  }

  @Test
  void aMetaPropertiesThatCannotBeParsed() throws Exception {
    Path logDir = Files.createDirectories(tmp.resolve(BrokerDirectory.LOG_DIR));
    Files.writeString(logDir.resolve("meta.properties"), "cluster.id=\\u12G4\n");
    assertRefused(tmp, logDir, "its meta.properties cannot be read", "its topics and records are lost");
  }

  @Test
  void aMetaPropertiesOfAnotherNode() throws Exception {
    Path logDir = Files.createDirectories(tmp.resolve(BrokerDirectory.LOG_DIR));
    Files.writeString(logDir.resolve("meta.properties"), "version=1\nnode.id=3\ncluster.id=abc\n");
    assertRefused(tmp, logDir, "its meta.properties is for node.id '3', not 0", "delete " + tmp);
  }

  @Test
  void aMetadataLogWhoseMetaPropertiesIsGone() throws Exception {
    Files.createDirectories(tmp.resolve(BrokerDirectory.LOG_DIR).resolve("__cluster_metadata-0"));
    assertRefused(tmp, tmp.resolve(BrokerDirectory.LOG_DIR), "it holds a metadata log but no meta.properties",
        "delete " + tmp);
  }

  @Test
  void aDirectoryAnotherBrokerRunsOnSaysWhereThatOneIs() {
    try (BrokerDirectory first = BrokerDirectory.open(tmp)) {
      first.recordPorts(40001, 40002);
      assertRefused(tmp, tmp, "another broker is running on it (at localhost:40001)", "stop that one first");
    }
    // Released on close: the next broker may start.
    BrokerDirectory.open(tmp).close();
  }

  @Test
  void aFreePreferredPortIsTakenAgainAndABusyOneIsReplaced() throws Exception {
    int free = BrokerDirectory.freePort(OptionalInt.empty(), -1);
    assertThat(BrokerDirectory.freePort(OptionalInt.of(free), -1)).isEqualTo(free);
    assertThat(BrokerDirectory.freePort(OptionalInt.of(free), free)).isNotEqualTo(free);
    try (var busy = new java.net.ServerSocket(free, 1, java.net.InetAddress.getByName("localhost"))) {
      assertThat(BrokerDirectory.freePort(OptionalInt.of(free), -1)).isNotEqualTo(free).isPositive();
    }
  }

  private static void assertRefused(Path root, Path named, String problem, String remedy) {
    assertThatThrownBy(() -> BrokerDirectory.open(root).close())
        .isInstanceOfSatisfying(BrokerDirectoryException.class, e -> {
          assertThat(e.getMessage()).startsWith("the local Kafka broker cannot use " + named + ": ")
              .contains(problem).contains(remedy).doesNotContain("\n");
          assertThat(e.directory()).isEqualTo(named);
        });
  }
}
