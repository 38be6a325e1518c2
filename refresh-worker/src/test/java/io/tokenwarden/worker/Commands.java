package io.tokenwarden.worker;

import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.sealing.TokenCredentials;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.RefreshReason;
import java.time.Instant;

/** Builds refresh commands for tests. */
final class Commands {

  private Commands() {}

  static RefreshCommand command(CredentialSealer sealer, String connectionId, String provider, String accessToken,
      String refreshToken, long generation, int attempt) {
    return RefreshCommand.newBuilder()
        .setCommandId("cmd-" + connectionId + "-" + generation + "-" + attempt)
        .setConnectionId(connectionId)
        .setTenantId("tenant-1")
        .setProvider(provider)
        .setAccountId("acct-" + connectionId)
        .setGeneration(generation)
        .setReason(RefreshReason.PROACTIVE)
        .setAttempt(attempt)
        .setCredentials(sealer.seal(connectionId, TokenCredentials.bearer(accessToken, refreshToken)))
        .setRequestedAt(Instant.now())
        .setExpiresAt(Instant.now().plusSeconds(60))
        .build();
  }
}
