package io.tokenwarden.runtime.config;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An immutable view of the environment variables that configure Tokenwarden, with typed getters that fail
 * fast and name the variable. {@code KAFKA_*} variables become Kafka client properties; {@code TOKENWARDEN_*}
 * variables are ours.
 */
public final class Env {

  private final Map<String, String> vars;

  private Env(Map<String, String> vars) {
    this.vars = Map.copyOf(vars);
  }

  /** The process environment. */
  public static Env system() {
    return new Env(System.getenv());
  }

  /** A given set of variables, for tests and embedded use. */
  public static Env of(Map<String, String> vars) {
    return new Env(vars);
  }

  /** This environment with {@code overrides} on top. */
  public Env with(Map<String, String> overrides) {
    Map<String, String> merged = new HashMap<>(vars);
    merged.putAll(overrides);
    return new Env(merged);
  }

  /** This environment with {@code defaults} for the variables it does not set. */
  public Env withDefaults(Map<String, String> defaults) {
    Map<String, String> merged = new HashMap<>(defaults);
    merged.putAll(vars);
    return new Env(merged);
  }

  /** The names of all variables, for checks that cover a whole family such as {@code TOKENWARDEN_POLICY_*}. */
  public java.util.Set<String> names() {
    return vars.keySet();
  }

  /** The variable's value, if set and not blank. */
  public Optional<String> get(String name) {
    String value = vars.get(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  public String get(String name, String defaultValue) {
    return get(name).orElse(defaultValue);
  }

  public String require(String name) {
    return get(name).orElseThrow(() -> new ConfigException(name + " must be set"));
  }

  public int getInt(String name, int defaultValue) {
    return get(name).map(v -> {
      try {
        return Integer.parseInt(v);
      } catch (NumberFormatException e) {
        throw new ConfigException(name + ": expected an integer, got '" + v + "'");
      }
    }).orElse(defaultValue);
  }

  public boolean getBoolean(String name, boolean defaultValue) {
    return get(name).map(v -> switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1" -> true;
      case "false", "no", "0" -> false;
      default -> throw new ConfigException(name + ": expected true or false, got '" + v + "'");
    }).orElse(defaultValue);
  }

  /** An ISO-8601 duration such as {@code PT1S} or {@code P7D}. */
  public Optional<Duration> getDuration(String name) {
    return get(name).map(v -> {
      try {
        return Duration.parse(v);
      } catch (DateTimeParseException e) {
        throw new ConfigException(name + ": expected an ISO-8601 duration such as PT1S or P7D, got '" + v + "'");
      }
    });
  }

  public Duration getDuration(String name, Duration defaultValue) {
    return getDuration(name).orElse(defaultValue);
  }

  public Path getPath(String name, Path defaultValue) {
    return get(name).map(Path::of).orElse(defaultValue);
  }

  /**
   * Kafka client properties from {@code KAFKA_*} variables: the prefix is dropped, the rest lower-cased and
   * {@code _} turned into {@code .}, so {@code KAFKA_SECURITY_PROTOCOL} becomes {@code security.protocol}.
   */
  public Map<String, Object> kafkaProperties() {
    Map<String, Object> props = new TreeMap<>();
    vars.forEach((name, value) -> {
      if (name.startsWith("KAFKA_") && name.length() > "KAFKA_".length() && value != null && !value.isBlank()) {
        props.put(name.substring("KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.'), value.trim());
      }
    });
    return props;
  }

  /** Upper-cases an id and turns non-alphanumerics into {@code _}, as used in variable names. */
  public static String envKey(String id) {
    return id.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
  }
}
