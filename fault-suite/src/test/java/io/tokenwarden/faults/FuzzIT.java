package io.tokenwarden.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwarden.contracts.DeadLetters;
import io.tokenwarden.embedded.SharedKafka;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.sealing.Keysets;
import io.tokenwarden.runtime.sealing.TokenCredentials;
import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.RefreshFailed;
import io.tokenwarden.schema.RefreshReason;
import io.tokenwarden.schema.SealedCredentials;
import io.tokenwarden.schema.TokenIssued;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.schema.TokenRefreshed;
import io.tokenwarden.schema.TokenRevoked;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile records mixed with good ones into {@code tokens.lifecycle} and {@code tokens.refresh-commands} while the
 * real stream and worker run: both stay live, every bad record is on the dead-letter topic with a reason, every good
 * one is processed (a status for each good connection, an answer for each good command and for each command that
 * decodes, however extreme its values).
 */
class FuzzIT {

  private static final String PROVIDER = "fuzzstub";
  private static final long SEED = Long.getLong("faults.seed", 20261202L);

  /** What a record is and what must become of it. */
  private enum Kind {
    GOOD_ISSUED(true, Fate.STATUS), GOOD_COMMAND(false, Fate.ANSWER),
    RANDOM_BYTES_L(true, Fate.DEAD_LETTER), RANDOM_BYTES_C(false, Fate.DEAD_LETTER),
    TRUNCATED_L(true, Fate.DEAD_LETTER), TRUNCATED_C(false, Fate.DEAD_LETTER),
    FINGERPRINT_WRONG_BODY_L(true, Fate.DEAD_LETTER), FINGERPRINT_WRONG_BODY_C(false, Fate.DEAD_LETTER),
    HUGE_LENGTH_L(true, Fate.DEAD_LETTER), HUGE_LENGTH_C(false, Fate.DEAD_LETTER),
    NULL_VALUE_L(true, Fate.DEAD_LETTER), NULL_VALUE_C(false, Fate.DEAD_LETTER),
    EXPIRES_AT_HUGE(true, Fate.DEAD_LETTER), EXPIRES_AT_NEGATIVE(true, Fate.DEAD_LETTER),
    OCCURRED_AT_NEGATIVE(true, Fate.DEAD_LETTER), OCCURRED_AT_HUGE(true, Fate.DEAD_LETTER),
    ACCOUNT_100KB(true, Fate.DEAD_LETTER), EMPTY_PROVIDER(true, Fate.DEAD_LETTER),
    EMPTY_EVENT_ID(true, Fate.DEAD_LETTER), NO_PAYLOAD(true, Fate.DEAD_LETTER), KEY_MISMATCH(true, Fate.DEAD_LETTER),
    REVOKE_REASON_100KB(true, Fate.REVOKED),
    COMMAND_EXTREME_VALUES(false, Fate.ANSWER), COMMAND_GARBAGE_CREDENTIALS(false, Fate.ANSWER),
    COMMAND_UNKNOWN_PROVIDER(false, Fate.ANSWER), COMMAND_100KB_ACCOUNT(false, Fate.ANSWER);

    final boolean lifecycle;
    final Fate fate;

    Kind(boolean lifecycle, Fate fate) {
      this.lifecycle = lifecycle;
      this.fate = fate;
    }
  }

  private enum Fate { STATUS, ANSWER, DEAD_LETTER, REVOKED }

  private record Sent(String key, Kind kind) {}

  @Test
  void badRecordsAreDeadLetteredGoodOnesProcessedAndBothServicesStayLive(@TempDir Path dir) throws Exception {
    int total = FaultSystem.large() ? 50_000 : 10_000;
    System.out.println("fuzz seed " + SEED + " (-Dfaults.seed=N to repeat), " + total + " records");
    Random random = new Random(SEED);
    try (ProviderStub provider = new ProviderStub(Duration.ofSeconds(1))) {
      FaultSystem system = new FaultSystem("faults-fuzz-" + System.nanoTime(), SharedKafka.bootstrapServers(),
          dir.resolve("data"), 2, provider.env(PROVIDER));
      CredentialSealer sealer = new CredentialSealer(Keysets.load(Env.of(system.vars), system.dataDir, false));
      try (Child stream = system.start("fuzz-stream", "run", "--stream");
           Child worker = system.start("fuzz-worker", "run", "--worker")) {
        stream.awaitReady(Duration.ofMinutes(3));
        worker.awaitReady(Duration.ofMinutes(3));

        Kind[] kinds = Kind.values();
        List<Sent> sent = new ArrayList<>(total);
        Map<String, String> commandIds = new HashMap<>();
        Map<String, Object> props = Map.of("bootstrap.servers", system.bootstrap, "acks", "all",
            "max.request.size", 4 << 20, "linger.ms", 5);
        try (var producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
          for (int i = 0; i < total; i++) {
            // Good records are a third of the whole; the rest spread over the hostile kinds.
            Kind kind = random.nextInt(3) == 0 ? (random.nextBoolean() ? Kind.GOOD_ISSUED : Kind.GOOD_COMMAND)
                : kinds[2 + random.nextInt(kinds.length - 2)];
            String key = "fz-" + i;
            String topic = kind.lifecycle ? system.topics.lifecycle.name() : system.topics.refreshCommands.name();
            byte[] value = kind.lifecycle ? lifecycleValue(system, sealer, random, kind, key)
                : commandValue(system, sealer, provider, random, kind, key, commandIds);
            if (kind == Kind.REVOKE_REASON_100KB) {
              // A revocation needs a connection: issued first, on the same key, so in order.
              producer.send(new ProducerRecord<>(topic, key, lifecycleValue(system, sealer, random, Kind.GOOD_ISSUED,
                  key)));
            }
            producer.send(new ProducerRecord<>(topic, key, value));
            sent.add(new Sent(key, kind));
          }
          producer.flush();
        }
        Map<Kind, Integer> byKind = new TreeMap<>();
        sent.forEach(s -> byKind.merge(s.kind(), 1, Integer::sum));
        System.out.println("fuzz records by kind: " + byKind);

        Outcome[] outcome = new Outcome[1];
        try {
          await("every record's fate visible").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(3))
              .until(() -> {
                outcome[0] = observe(system, sent, commandIds);
                return outcome[0].missing().isEmpty() || !stream.alive() || !worker.alive();
              });
        } catch (ConditionTimeoutException e) {
          // Report what is missing below rather than only that the wait ran out.
          outcome[0] = observe(system, sent, commandIds);
        }
        Outcome o = outcome[0];
        long bad = sent.stream().filter(s -> s.kind().fate == Fate.DEAD_LETTER).count();
        new Figures("fuzz", String.format("%,d records (seed %d): %,d bad (random bytes, truncated Avro, the right"
                + " fingerprint over a wrong body, a 1 GB length prefix, null values, extreme times, 100 KB strings),"
                + " %,d good", total, SEED, bad, total - bad), total, o.missing().size(), o.deadLetteredTwice(),
            o.missing().isEmpty() ? "stream and worker live throughout"
                : "missing by kind: " + o.missingByKind()).report();

        assertThat(stream.live()).as("stream live (same process, pid %d)", stream.pid()).isTrue();
        assertThat(worker.live()).as("worker live (same process, pid %d)", worker.pid()).isTrue();
        assertThat(o.missing()).as("records whose fate never showed, by kind: %s", o.missingByKind()).isEmpty();
        assertThat(o.goodDeadLettered()).as("good records on the dead-letter topic").isEmpty();
        assertThat(o.withoutReason()).as("dead letters without a reason header").isEmpty();
      }
    }
  }

  private record Outcome(List<Sent> missing, List<String> goodDeadLettered, List<String> withoutReason,
      long deadLetteredTwice) {
    Map<Kind, Long> missingByKind() {
      Map<Kind, Long> m = new TreeMap<>();
      missing.forEach(s -> m.merge(s.kind(), 1L, Long::sum));
      return m;
    }
  }

  private static Outcome observe(FaultSystem system, List<Sent> sent, Map<String, String> commandIds) {
    Map<String, Integer> deadLettered = new HashMap<>();
    List<String> withoutReason = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : system.committed(system.topics.lifecycleDlq.name(),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
      if (key == null || !key.startsWith("fz-")) {
        continue;
      }
      deadLettered.merge(key, 1, Integer::sum);
      Header reason = r.headers().lastHeader(DeadLetters.REASON);
      if (reason == null || reason.value() == null || reason.value().length == 0) {
        withoutReason.add(key);
      }
    }
    Set<String> statuses = new HashSet<>();
    Set<String> revoked = new HashSet<>();
    for (ConsumerRecord<String, ConnectionStatus> r : system.committed(system.topics.status)) {
      statuses.add(r.key());
      if (r.value() != null && r.value().getState() == ConnectionState.REVOKED) {
        revoked.add(r.key());
      }
    }
    Set<String> answered = new HashSet<>();
    var lifecycle = system.topics.lifecycle.valueSerde().deserializer();
    for (ConsumerRecord<byte[], byte[]> r : system.committed(system.topics.lifecycle.name(),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      if (r.value() == null) {
        continue;
      }
      Object payload;
      try {
        payload = lifecycle.deserialize(r.topic(), r.value()).getPayload();
      } catch (RuntimeException hostile) {
        continue; // one of ours
      }
      if (payload instanceof TokenRefreshed t) {
        answered.add(t.getCommandId());
      } else if (payload instanceof RefreshFailed f) {
        answered.add(f.getCommandId());
      }
    }
    List<Sent> missing = new ArrayList<>();
    List<String> goodDeadLettered = new ArrayList<>();
    for (Sent s : sent) {
      boolean seen = switch (s.kind().fate) {
        case STATUS -> statuses.contains(s.key());
        case ANSWER -> answered.contains(commandIds.get(s.key()));
        case DEAD_LETTER -> deadLettered.containsKey(s.key());
        case REVOKED -> revoked.contains(s.key());
      };
      if (!seen) {
        missing.add(s);
      }
      if (EnumSet.of(Kind.GOOD_ISSUED, Kind.GOOD_COMMAND, Kind.REVOKE_REASON_100KB).contains(s.kind())
          && deadLettered.containsKey(s.key())) {
        goodDeadLettered.add(s.key());
      }
    }
    long twice = deadLettered.values().stream().filter(n -> n > 1).count();
    return new Outcome(missing, goodDeadLettered, withoutReason, twice);
  }

  private static byte[] lifecycleValue(FaultSystem system, CredentialSealer sealer, Random random, Kind kind,
      String key) {
    var serde = system.topics.lifecycle.valueSerde().serializer();
    String topic = system.topics.lifecycle.name();
    long now = System.currentTimeMillis();
    TokenLifecycleEvent.Builder issued = TokenLifecycleEvent.newBuilder()
        .setEventId(UUID.randomUUID().toString()).setConnectionId(key).setProvider("facebook")
        .setAccountId("acct-" + key).setOccurredAt(Instant.ofEpochMilli(now))
        .setPayload(TokenIssued.newBuilder()
            .setCredentials(sealer.seal(key, new TokenCredentials("at-" + key, Optional.empty(), "Bearer", Map.of())))
            .setExpiresAt(Instant.ofEpochMilli(now + Duration.ofDays(1).toMillis()))
            .setRefreshTokenExpiresAt(null).setScopes(List.of("pages")).build());
    return switch (kind) {
      case GOOD_ISSUED -> serde.serialize(topic, issued.build());
      case RANDOM_BYTES_L -> randomBytes(random);
      case TRUNCATED_L -> truncated(random, serde.serialize(topic, issued.build()));
      case FINGERPRINT_WRONG_BODY_L -> wrongBody(random, serde.serialize(topic, issued.build()));
      case HUGE_LENGTH_L -> hugeLength(serde.serialize(topic, issued.build()));
      case NULL_VALUE_L -> null;
      case EXPIRES_AT_HUGE -> {
        ((TokenIssued) issued.getPayload()).setExpiresAt(Instant.ofEpochMilli(Long.MAX_VALUE / 2));
        yield serde.serialize(topic, issued.build());
      }
      case EXPIRES_AT_NEGATIVE -> {
        ((TokenIssued) issued.getPayload()).setExpiresAt(Instant.ofEpochMilli(-86_400_000L * 365));
        yield serde.serialize(topic, issued.build());
      }
      case OCCURRED_AT_NEGATIVE -> serde.serialize(topic, issued.setOccurredAt(Instant.ofEpochMilli(-1)).build());
      case OCCURRED_AT_HUGE -> serde.serialize(topic,
          issued.setOccurredAt(Instant.ofEpochMilli(Long.MAX_VALUE / 2)).build());
      case ACCOUNT_100KB -> serde.serialize(topic, issued.setAccountId("a".repeat(100_000)).build());
      case EMPTY_PROVIDER -> serde.serialize(topic, issued.setProvider("").build());
      case EMPTY_EVENT_ID -> serde.serialize(topic, issued.setEventId("").build());
      case NO_PAYLOAD -> serde.serialize(topic, issued.setPayload(null).build());
      case KEY_MISMATCH -> serde.serialize(topic, issued.setConnectionId("other-" + key).build());
      case REVOKE_REASON_100KB -> serde.serialize(topic,
          issued.setProvider(null).setAccountId(null).setPayload(new TokenRevoked("r".repeat(100_000))).build());
      default -> throw new IllegalArgumentException(kind.name());
    };
  }

  private static byte[] commandValue(FaultSystem system, CredentialSealer sealer, ProviderStub provider,
      Random random, Kind kind, String key, Map<String, String> commandIds) {
    var serde = system.topics.refreshCommands.valueSerde().serializer();
    String topic = system.topics.refreshCommands.name();
    String commandId = "cmd-" + key;
    commandIds.put(key, commandId);
    String refreshToken = provider.issue(key);
    RefreshCommand.Builder command = RefreshCommand.newBuilder()
        .setCommandId(commandId).setConnectionId(key).setProvider(PROVIDER).setAccountId("acct-" + key)
        .setGeneration(1_767_225_600_000L).setReason(RefreshReason.USER_REQUESTED).setAttempt(1)
        .setCredentials(sealer.seal(key, new TokenCredentials("at-" + key, Optional.of(refreshToken), "Bearer",
            Map.of())))
        .setRequestedAt(Instant.now()).setExpiresAt(Instant.now().plus(Duration.ofHours(1)));
    return switch (kind) {
      case GOOD_COMMAND -> serde.serialize(topic, command.build());
      case RANDOM_BYTES_C -> randomBytes(random);
      case TRUNCATED_C -> truncated(random, serde.serialize(topic, command.build()));
      case FINGERPRINT_WRONG_BODY_C -> wrongBody(random, serde.serialize(topic, command.build()));
      case HUGE_LENGTH_C -> hugeLength(serde.serialize(topic, command.build()));
      case NULL_VALUE_C -> null;
      case COMMAND_EXTREME_VALUES -> serde.serialize(topic, command.setGeneration(Long.MIN_VALUE)
          .setAttempt(Integer.MIN_VALUE).setRequestedAt(Instant.ofEpochMilli(Long.MAX_VALUE / 2))
          .setExpiresAt(Instant.ofEpochMilli(-1)).setTenantId("").build());
      case COMMAND_GARBAGE_CREDENTIALS -> {
        byte[] garbage = new byte[64];
        random.nextBytes(garbage);
        yield serde.serialize(topic, command.setCredentials(new SealedCredentials("1", ByteBuffer.wrap(garbage),
            true)).build());
      }
      case COMMAND_UNKNOWN_PROVIDER -> serde.serialize(topic, command.setProvider("no-such-provider").build());
      case COMMAND_100KB_ACCOUNT -> serde.serialize(topic, command.setAccountId("a".repeat(100_000)).build());
      default -> throw new IllegalArgumentException(kind.name());
    };
  }

  private static byte[] randomBytes(Random random) {
    byte[] bytes = new byte[1 + random.nextInt(512)];
    random.nextBytes(bytes);
    return bytes;
  }

  /** A good record cut short somewhere after its header. */
  private static byte[] truncated(Random random, byte[] good) {
    return Arrays.copyOf(good, 10 + random.nextInt(good.length - 10));
  }

  /** The right header and fingerprint over random bytes. */
  private static byte[] wrongBody(Random random, byte[] good) {
    byte[] bytes = Arrays.copyOf(good, 10 + 1 + random.nextInt(300));
    byte[] body = new byte[bytes.length - 10];
    random.nextBytes(body);
    System.arraycopy(body, 0, bytes, 10, body.length);
    return bytes;
  }

  /** The right header, then a first string (the id) claiming 1 GB over a few bytes. */
  private static byte[] hugeLength(byte[] good) {
    byte[] bytes = Arrays.copyOf(good, 18);
    // Zig-zag varint of 2^30: 0x80 0x80 0x80 0x80 0x08.
    byte[] length = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08};
    System.arraycopy(length, 0, bytes, 10, length.length);
    return bytes;
  }
}
