package io.tokenwarden.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each current schema is released, reads every earlier version, and is readable by every earlier reader. */
class SchemaEvolutionTest {

  static Stream<String> types() {
    return SchemaHistory.CURRENT.keySet().stream().sorted();
  }

  @ParameterizedTest
  @MethodSource("types")
  void currentSchemaIsTheLatestReleasedVersion(String type) {
    List<Schema> versions = SchemaHistory.versions(type);
    assertThat(versions).as("history of %s", type).isNotEmpty();
    Schema current = SchemaHistory.CURRENT.get(type);
    Schema latest = versions.get(versions.size() - 1);
    assertThat(SchemaNormalization.parsingFingerprint64(current))
        .as("%s changed: add it as history/%s/v%d.avsc, after checking the compatibility tests",
            type, type, versions.size() + 1)
        .isEqualTo(SchemaNormalization.parsingFingerprint64(latest));
  }

  @ParameterizedTest
  @MethodSource("types")
  void currentReadsEveryEarlierVersionAndEarlierReadersReadCurrent(String type) {
    Schema current = SchemaHistory.CURRENT.get(type);
    List<String> problems = new ArrayList<>();
    List<Schema> versions = SchemaHistory.versions(type);
    for (int i = 0; i < versions.size(); i++) {
      Schema old = versions.get(i);
      var backward = SchemaCompatibility.checkReaderWriterCompatibility(current, old);
      if (backward.getType() != SchemaCompatibilityType.COMPATIBLE) {
        problems.add("current cannot read v" + (i + 1) + ": " + backward.getResult().getIncompatibilities());
      }
      var forward = SchemaCompatibility.checkReaderWriterCompatibility(old, current);
      if (forward.getType() != SchemaCompatibilityType.COMPATIBLE) {
        problems.add("v" + (i + 1) + " cannot read current: " + forward.getResult().getIncompatibilities());
      }
    }
    assertThat(problems).as(type).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("types")
  void everyRecordAndFieldHasADoc(String type) {
    List<String> missing = new ArrayList<>();
    collectMissingDocs(SchemaHistory.CURRENT.get(type), missing, new ArrayList<>());
    assertThat(missing).as("records and fields without a doc in %s", type).isEmpty();
  }

  private static void collectMissingDocs(Schema schema, List<String> missing, List<String> seen) {
    switch (schema.getType()) {
      case RECORD -> {
        if (seen.contains(schema.getFullName())) {
          return;
        }
        seen.add(schema.getFullName());
        if (schema.getDoc() == null || schema.getDoc().isBlank()) {
          missing.add(schema.getFullName());
        }
        for (Schema.Field field : schema.getFields()) {
          if (field.doc() == null || field.doc().isBlank()) {
            missing.add(schema.getFullName() + "." + field.name());
          }
          collectMissingDocs(field.schema(), missing, seen);
        }
      }
      case UNION -> schema.getTypes().forEach(t -> collectMissingDocs(t, missing, seen));
      case ARRAY -> collectMissingDocs(schema.getElementType(), missing, seen);
      case MAP -> collectMissingDocs(schema.getValueType(), missing, seen);
      default -> { }
    }
  }
}
