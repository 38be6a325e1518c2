package io.tokenwarden.gateway.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.stream.policy.ExpiryPolicies;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusWordingTest {

  private static StatusView v(String provider, ConnectionState state, boolean attention, String reason) {
    return new StatusView("c", "t", provider, "a", state, attention, reason, 0, StatusView.NONE, StatusView.NONE, 0, 1,
        false, false, StatusView.NONE);
  }

  @Test
  void theMarkComesWithWhatHappenedAndWhatToDoInPlainWords() {
    assertThat(StatusWording.message(v("facebook", ConnectionState.EXPIRED, true, "access_token_expired")))
        .isEqualTo("The Facebook token expired: reconnect the account.");
    assertThat(StatusWording.message(v("x", ConnectionState.NEEDS_RECONNECT, true, "invalid_grant")))
        .isEqualTo("X no longer accepts the saved sign-in: reconnect the account.");
    assertThat(StatusWording.message(v("tiktok", ConnectionState.NEEDS_RECONNECT, true, "scope_not_authorized")))
        .isEqualTo("TikTok refused to renew the token (scope_not_authorized): reconnect the account.");
    assertThat(StatusWording.message(v("linkedin", ConnectionState.REVOKED, true, "user_revoked")))
        .isEqualTo("Access to the LinkedIn account was revoked: reconnect the account.");
    assertThat(StatusWording.message(v("pinterest", ConnectionState.CONNECTED, true, "refresh_token_expiring")))
        .isEqualTo("The Pinterest sign-in expires soon: reconnect the account to keep it working.");
    assertThat(StatusWording.message(v("acme", ConnectionState.EXPIRING, false, "access_token_expiring")))
        .isEqualTo("The acme token expires soon; it will be renewed automatically.");
    assertThat(StatusWording.message(v("youtube", ConnectionState.CONNECTED, false, null))).isNull();
    for (ConnectionState s : ConnectionState.values()) {
      assertThat(StatusWording.stateLabel(s)).isNotBlank();
      String m = StatusWording.message(v("instagram", s, true, null));
      assertThat(m).as(s.name()).contains("Instagram").contains("reconnect");
    }
  }

  @Test
  void theRefreshIconIsOfferedOnlyWhereAMachineCanRenew() {
    Renewal renewal = new Renewal(ExpiryPolicies.from(Env.of(Map.of())));
    assertThat(renewal.renewable(status("youtube", ConnectionState.CONNECTED, null, null))).isTrue();
    assertThat(renewal.renewable(status("facebook", ConnectionState.CONNECTED, null, null))).isFalse();
    assertThat(renewal.renewable(status("linkedin", ConnectionState.CONNECTED, null, null))).isFalse();
    assertThat(renewal.renewable(status("linkedin", ConnectionState.CONNECTED, null, Instant.now()))).isTrue();
    assertThat(renewal.renewable(status("youtube", ConnectionState.REVOKED, "user_revoked", null))).isFalse();
    assertThat(renewal.renewable(status("tiktok", ConnectionState.CONNECTED, "refresh_token_expired", null))).isFalse();
    assertThat(renewal.renewable(status("unknown-provider", ConnectionState.CONNECTED, null, null))).isFalse();
  }

  private static ConnectionStatus status(String provider, ConnectionState state, String reason, Instant rtExpiry) {
    return ConnectionStatus.newBuilder().setConnectionId("c").setTenantId("t").setProvider(provider).setAccountId("a")
        .setState(state).setAttention(false).setReason(reason).setRefreshTokenExpiresAt(rtExpiry)
        .setUpdatedAt(Instant.now()).setGeneration(1).build();
  }
}
