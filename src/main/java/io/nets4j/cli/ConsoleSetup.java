package io.nets4j.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The process-wide settings that belong to the command line, not to the library: headless AWT
 * (the plots, heatmaps and drawn detections render into images, and on macOS a non-headless JVM
 * would open a Dock icon) and the console format of the SLF4J binding, slf4j-simple, through which
 * the library's warnings reach the user on stderr.
 *
 * <p>Each setting is a system property applied only when unset, so {@code NETS4J_JAVA_OPTS="-D..."}
 * overrides it. It must run before the first logger is created: slf4j-simple reads its format once.
 */
final class ConsoleSetup {
  /** slf4j-simple's settings: {@code 2026-12-08T02:45:00.123 WARN message}, the server's request log too. */
  static final Map<String, String> DEFAULTS;

  static {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("java.awt.headless", "true");
    d.put("org.slf4j.simpleLogger.showDateTime", "true");
    d.put("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSS");
    d.put("org.slf4j.simpleLogger.showThreadName", "false");
    d.put("org.slf4j.simpleLogger.showLogName", "false");
    // the server filters its own lines by --log-level (FINE included), so the binding lets all of them through
    d.put("org.slf4j.simpleLogger.log.io.nets4j.serve", "trace");
    DEFAULTS = Map.copyOf(d);
  }

  private ConsoleSetup() {}

  static void apply() {
    DEFAULTS.forEach((key, value) -> {
      if (System.getProperty(key) == null) {
        System.setProperty(key, value);
      }
    });
  }
}
