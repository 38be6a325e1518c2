# The expiry stream (Kafka Streams). Build context: the repository root, after `./mvnw -DskipTests package`:
#   docker build -f deploy/docker/stream.Dockerfile -t tokenwarden-stream .
# The jar is built by Maven on the host, not in the image.
FROM eclipse-temurin:17-jre-alpine

# The Kafka Streams state directory (RocksDB; rocksdbjni ships musl builds) lives on a volume so that a
# restarted container restores from local state instead of replaying the changelogs.
RUN addgroup -S -g 10001 tokenwarden \
 && adduser -S -D -H -u 10001 -G tokenwarden -h /var/lib/tokenwarden tokenwarden \
 && mkdir -p /var/lib/tokenwarden/state \
 && chown -R 10001:10001 /var/lib/tokenwarden

WORKDIR /opt/tokenwarden
COPY cli/target/lib/ lib/
COPY cli/target/tokenwarden.jar tokenwarden.jar

ENV TOKENWARDEN_HTTP_PORT=8080 \
    TOKENWARDEN_DATA_DIR=/var/lib/tokenwarden \
    TOKENWARDEN_EXPIRY_STATE_DIR=/var/lib/tokenwarden/state \
    TOKENWARDEN_LOG_FORMAT=json

USER 10001:10001
VOLUME /var/lib/tokenwarden/state
EXPOSE 8080

# Liveness, not readiness: the stream is not ready while it rebalances, which is no reason to call it unhealthy.
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD wget -q -O /dev/null http://127.0.0.1:8080/health/live || exit 1

ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/tokenwarden/tokenwarden.jar"]
CMD ["run", "--stream"]
