package io.tokenwarden.stream.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwarden.runtime.config.ConfigException;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.provider.Providers;
import io.tokenwarden.stream.policy.ExpiryPolicy.Refreshable;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ExpiryPoliciesTest {

  @Test
  void everyBuiltInProviderHasADefaultPolicy() {
    assertThat(ExpiryPolicies.DEFAULTS).containsOnlyKeys(Providers.BUILT_IN);
    ExpiryPolicies policies = ExpiryPolicies.from(Env.of(Map.of()));
    assertThat(policies.forProvider("facebook").refreshable()).isEqualTo(Refreshable.NEVER);
    assertThat(policies.forProvider("facebook").warnBefore()).isEqualTo(Duration.ofDays(7));
    assertThat(policies.forProvider("linkedin").refreshable()).isEqualTo(Refreshable.IF_REFRESH_TOKEN);
    assertThat(policies.forProvider("linkedin").refreshTokenWarnBefore()).contains(Duration.ofDays(14));
    assertThat(policies.forProvider("x").refreshBefore()).contains(Duration.ofMinutes(10));
    assertThat(policies.forProvider("youtube").keepAliveEvery()).contains(Duration.ofDays(30));
    assertThat(policies.forProvider("pinterest").warnBefore()).isEqualTo(Duration.ofDays(1));
  }

  @Test
  void everyFieldCanBeOverridden() {
    ExpiryPolicies policies = ExpiryPolicies.from(Env.of(Map.of(
        "TOKENWARDEN_POLICY_FACEBOOK_REFRESHABLE", "true",
        "TOKENWARDEN_POLICY_FACEBOOK_REFRESH_BEFORE", "P10D",
        "TOKENWARDEN_POLICY_FACEBOOK_WARN_BEFORE", "PT3S",
        "TOKENWARDEN_POLICY_FACEBOOK_REFRESH_TOKEN_WARN_BEFORE", "P1D",
        "TOKENWARDEN_POLICY_FACEBOOK_KEEP_ALIVE_EVERY", "P20D",
        "TOKENWARDEN_POLICY_FACEBOOK_JITTER", "PT1M",
        "TOKENWARDEN_POLICY_FACEBOOK_MIN_REFRESH_INTERVAL", "PT5M",
        "TOKENWARDEN_POLICY_YOUTUBE_KEEP_ALIVE_EVERY", "none")));
    assertThat(policies.forProvider("facebook")).isEqualTo(new ExpiryPolicy(Refreshable.ALWAYS,
        Optional.of(Duration.ofDays(10)), Duration.ofSeconds(3), Optional.of(Duration.ofDays(1)),
        Optional.of(Duration.ofDays(20)), Duration.ofMinutes(1), Duration.ofMinutes(5)));
    assertThat(policies.forProvider("x").minRefreshInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(policies.forProvider("youtube").keepAliveEvery()).isEmpty();
  }

  @Test
  void genericOAuth2ProvidersStartFromTheGenericDefaultsAndTakeOverrides() {
    ExpiryPolicies policies = ExpiryPolicies.from(Env.of(Map.of(
        "TOKENWARDEN_PROVIDER_ACME_CRM_TYPE", "oauth2",
        "TOKENWARDEN_POLICY_ACME_CRM_WARN_BEFORE", "PT30M")));
    assertThat(policies.isKnown("acme-crm")).isTrue();
    assertThat(policies.forProvider("acme-crm").warnBefore()).isEqualTo(Duration.ofMinutes(30));
    assertThat(policies.forProvider("acme-crm").refreshBefore()).isEqualTo(ExpiryPolicies.GENERIC.refreshBefore());
    assertThat(policies.isKnown("myspace")).isFalse();
  }

  @Test
  void aProviderThatIsNoLongerConfiguredGetsTheGenericDefaultsAndIsMarkedUnknown() {
    ExpiryPolicies policies = ExpiryPolicies.from(Env.of(Map.of(
        "TOKENWARDEN_POLICY_REMOVED_CRM_WARN_BEFORE", "PT30M")));
    ExpiryPolicies.Resolved removed = policies.resolve("removed-crm");
    assertThat(removed.known()).isFalse();
    assertThat(removed.policy().refreshBefore()).isEqualTo(ExpiryPolicies.GENERIC.refreshBefore());
    assertThat(removed.policy().warnBefore()).as("its overrides still apply").isEqualTo(Duration.ofMinutes(30));
    assertThat(policies.resolve("x").known()).isTrue();
  }

  @Test
  void aBadOverrideFailsFastNamingTheVariable() {
    assertThatThrownBy(() -> ExpiryPolicies.from(Env.of(Map.of("TOKENWARDEN_POLICY_X_WARN_BEFORE", "5 minutes"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TOKENWARDEN_POLICY_X_WARN_BEFORE");
    assertThatThrownBy(() -> ExpiryPolicies.from(Env.of(Map.of("TOKENWARDEN_POLICY_TIKTOK_REFRESHABLE", "maybe"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TOKENWARDEN_POLICY_TIKTOK_REFRESHABLE");
    assertThatThrownBy(() -> ExpiryPolicies.from(Env.of(Map.of("TOKENWARDEN_POLICY_X_JITTER", "-PT1M"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("must not be negative");
    assertThatThrownBy(() -> ExpiryPolicies.from(Env.of(Map.of("TOKENWARDEN_POLICY_X_WARN_BEFORE", "none"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TOKENWARDEN_POLICY_X_WARN_BEFORE");
    assertThatThrownBy(() -> ExpiryPolicies.from(Env.of(Map.of("TOKENWARDEN_POLICY_X_MIN_REFRESH_INTERVAL", "none"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TOKENWARDEN_POLICY_X_MIN_REFRESH_INTERVAL");
  }

  @Test
  void aGenericProvidersBadOverrideFailsAtStartUpNotWhenFirstSeen() {
    assertThatThrownBy(() -> ExpiryPolicies.from(Env.of(Map.of(
        "TOKENWARDEN_PROVIDER_ACME_ID_TYPE", "oauth2",
        "TOKENWARDEN_POLICY_ACME_ID_REFRESH_BEFORE", "soon"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TOKENWARDEN_POLICY_ACME_ID_REFRESH_BEFORE");
    assertThatThrownBy(() -> ExpiryPolicies.from(Env.of(Map.of("TOKENWARDEN_POLICY_ACME_WARN_BEFOR", "PT1M"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("unknown policy field");
    // A refresh-token field is not mistaken for WARN_BEFORE, which takes no "none".
    ExpiryPolicies.from(Env.of(Map.of("TOKENWARDEN_POLICY_ACME_REFRESH_TOKEN_WARN_BEFORE", "none")));
  }
}
