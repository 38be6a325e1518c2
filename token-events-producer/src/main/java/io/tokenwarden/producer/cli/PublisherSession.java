package io.tokenwarden.producer.cli;

import io.tokenwarden.producer.EventValidator;
import io.tokenwarden.producer.TokenEventPublisher;
import io.tokenwarden.runtime.config.BrokerAddress;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.provider.Providers;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.sealing.Keysets;

/** What a publishing command needs, resolved from the environment in a fixed order: validate, then connect. */
final class PublisherSession {

  final Env env;
  final TokenwardenConfig config;
  final EventValidator validator;

  PublisherSession(Env env) {
    this.env = env;
    this.config = TokenwardenConfig.from(env);
    this.validator = new EventValidator(new Providers(env), config.clockSkew());
  }

  /** Opens a publisher; call only after the input is validated, so bad input never reaches the broker. */
  TokenEventPublisher open() {
    String bootstrap = BrokerAddress.resolve(config);
    var sealer = new CredentialSealer(Keysets.load(env, config.dataDir(), config.local()));
    return TokenEventPublisher.create(config, bootstrap, sealer, new Providers(env));
  }
}
