package io.tokenwarden.contracts;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.message.SchemaStore;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.schema.TokenLifecycleEvent;

/**
 * Every released version of every top-level schema, kept as self-contained {@code .avsc} files under
 * {@code io/tokenwarden/schema/history/<Type>/v<N>.avsc} on the class path.
 *
 * <p>Decoders resolve a record's writer schema by its CRC-64-AVRO fingerprint from {@link #schemaStore()},
 * so data written by any released version can be read by the current code.
 */
public final class SchemaHistory {

  /** The top-level types that travel on topics, by simple name. */
  public static final Map<String, Schema> CURRENT = Map.of(
      "TokenLifecycleEvent", TokenLifecycleEvent.getClassSchema(),
      "TokenExpiryEvent", TokenExpiryEvent.getClassSchema(),
      "RefreshCommand", RefreshCommand.getClassSchema(),
      "ConnectionStatus", ConnectionStatus.getClassSchema());

  private static final SchemaStore.Cache STORE = buildStore();

  private SchemaHistory() {}

  /** Released versions of one type, oldest first. */
  public static List<Schema> versions(String typeName) {
    List<Schema> versions = new ArrayList<>();
    for (int v = 1; ; v++) {
      String resource = "/io/tokenwarden/schema/history/" + typeName + "/v" + v + ".avsc";
      try (InputStream in = SchemaHistory.class.getResourceAsStream(resource)) {
        if (in == null) {
          return versions;
        }
        versions.add(new Schema.Parser().parse(in));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + resource, e);
      }
    }
  }

  /** A store that resolves every released and the current version of every top-level type. */
  public static SchemaStore schemaStore() {
    return STORE;
  }

  private static SchemaStore.Cache buildStore() {
    SchemaStore.Cache cache = new SchemaStore.Cache();
    CURRENT.forEach((name, current) -> {
      versions(name).forEach(cache::addSchema);
      cache.addSchema(current);
    });
    return cache;
  }
}
