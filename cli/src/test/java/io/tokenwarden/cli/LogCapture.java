package io.tokenwarden.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.Appender;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/** Captures every log line of this JVM, at DEBUG and above, with stack traces, while open. */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final Map<Logger, Level> previous = new HashMap<>();

  private final List<Appender<ILoggingEvent>> consoleAppenders = new ArrayList<>();

  LogCapture() {
    setContext(root.getLoggerContext());
    start();
    // DEBUG output would flood the build log; capture it here instead of printing it.
    root.iteratorForAppenders().forEachRemaining(consoleAppenders::add);
    consoleAppenders.forEach(root::detachAppender);
    root.addAppender(this);
    // Every logger at DEBUG, Kafka's included, so that the scan sees everything a verbose deployment would log.
    for (Logger logger : root.getLoggerContext().getLoggerList()) {
      previous.put(logger, logger.getLevel());
      logger.setLevel(logger == root ? Level.DEBUG : null);
    }
  }

  @Override
  protected void append(ILoggingEvent event) {
    // The sandbox provider stands in for a social network's servers: its logs are not ours.
    if (event.getLoggerName().startsWith("no.nav.") || event.getLoggerName().startsWith("io.netty")) {
      return;
    }
    StringBuilder line = new StringBuilder(event.getLoggerName()).append(' ').append(event.getFormattedMessage());
    event.getMDCPropertyMap().forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
    if (event.getThrowableProxy() != null) {
      line.append('\n').append(ThrowableProxyUtil.asString(event.getThrowableProxy()));
    }
    lines.add(line.toString());
  }

  List<String> lines() {
    return List.copyOf(lines);
  }

  @Override
  public void close() {
    root.detachAppender(this);
    consoleAppenders.forEach(root::addAppender);
    previous.forEach(Logger::setLevel);
    stop();
  }
}
