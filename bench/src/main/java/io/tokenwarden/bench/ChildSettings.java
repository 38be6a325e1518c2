package io.tokenwarden.bench;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * What a bench child JVM ({@link StreamChild}, {@link GatewayChild}) is configured with, passed as a properties
 * file: environment variables as {@code var.*}, Kafka client properties as {@code kafka.*}.
 */
record ChildSettings(Map<String, String> vars, Map<String, Object> kafka) {

  /** Writes the settings to a new temporary file, for the child's argument. */
  Path write(String comment) throws IOException {
    Path file = Files.createTempFile("tokenwarden-bench-child", ".properties");
    Properties props = new Properties();
    vars.forEach((k, v) -> props.setProperty("var." + k, v));
    kafka.forEach((k, v) -> props.setProperty("kafka." + k, String.valueOf(v)));
    try (Writer w = Files.newBufferedWriter(file)) {
      props.store(w, comment);
    }
    return file;
  }

  /** The settings in the file a parent wrote. */
  static ChildSettings read(String file) throws IOException {
    Properties settings = new Properties();
    try (Reader r = Files.newBufferedReader(Path.of(file))) {
      settings.load(r);
    }
    Map<String, String> vars = new HashMap<>();
    Map<String, Object> kafka = new HashMap<>();
    settings.stringPropertyNames().forEach(k -> {
      if (k.startsWith("var.")) {
        vars.put(k.substring(4), settings.getProperty(k));
      } else if (k.startsWith("kafka.")) {
        kafka.put(k.substring(6), settings.getProperty(k));
      }
    });
    return new ChildSettings(vars, kafka);
  }
}
