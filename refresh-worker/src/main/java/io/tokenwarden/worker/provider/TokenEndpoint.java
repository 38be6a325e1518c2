package io.tokenwarden.worker.provider;

import io.tokenwarden.runtime.sealing.TokenCredentials;
import java.io.IOException;

/** One provider's token endpoint, ready to refresh. */
public interface TokenEndpoint {

  /**
   * Refreshes {@code credentials} at the provider.
   *
   * @throws TokenEndpointError the provider answered with an error or an unreadable body
   * @throws IOException the call failed on the network, or timed out
   */
  TokenGrant refresh(TokenCredentials credentials) throws IOException, InterruptedException;
}
