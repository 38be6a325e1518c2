# The status gateway. Build context: the repository root, after `./mvnw -DskipTests package`:
#   docker build -f deploy/docker/gateway.Dockerfile -t tokenwarden-gateway .
# The jar is built by Maven on the host, not in the image. The gateway keeps connections.status in memory
# and reads it again at start: no volume.
FROM eclipse-temurin:17-jre-alpine

RUN addgroup -S -g 10001 tokenwarden \
 && adduser -S -D -H -u 10001 -G tokenwarden -h /var/lib/tokenwarden tokenwarden \
 && mkdir -p /var/lib/tokenwarden \
 && chown -R 10001:10001 /var/lib/tokenwarden

WORKDIR /opt/tokenwarden
COPY cli/target/lib/ lib/
COPY cli/target/tokenwarden.jar tokenwarden.jar

ENV TOKENWARDEN_HTTP_PORT=8080 \
    TOKENWARDEN_DATA_DIR=/var/lib/tokenwarden \
    TOKENWARDEN_LOG_FORMAT=json

USER 10001:10001
EXPOSE 8080

HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD wget -q -O /dev/null http://127.0.0.1:8080/health/live || exit 1

ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/tokenwarden/tokenwarden.jar"]
CMD ["run", "--gateway"]
