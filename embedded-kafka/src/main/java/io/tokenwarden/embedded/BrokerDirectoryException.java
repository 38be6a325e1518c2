package io.tokenwarden.embedded;

import java.nio.file.Path;

/**
 * The embedded broker cannot use its directory (a file where a directory should be, not writable, a broken
 * {@code meta.properties}, or in use by another running broker). The message is one line that names the
 * directory and says what to do; there is nothing in the cause worth showing a user.
 */
public final class BrokerDirectoryException extends RuntimeException {

  private final transient Path directory;

  BrokerDirectoryException(Path directory, String problem, String remedy) {
    super("the local Kafka broker cannot use " + directory + ": " + problem + "; " + remedy);
    this.directory = directory;
  }

  /** The directory that cannot be used. */
  public Path directory() {
    return directory;
  }
}
