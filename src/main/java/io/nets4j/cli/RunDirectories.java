package io.nets4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/** The run directories of the training commands ({@code train}, {@code segment train}): naming and creating them. */
final class RunDirectories {
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  private RunDirectories() {}

  /** {@code DATE-TIME-MODEL-DATA}, the name of a run directory without {@code --name}. */
  static String defaultName(String model, String data) {
    return LocalDateTime.now().format(STAMP) + "-" + model + "-" + data;
  }

  /** Whether {@code dir} is a directory with something in it. */
  static boolean inUse(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (var entries = Files.list(dir)) {
      return entries.findAny().isPresent();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + " (" + e + ")", e);
    }
  }

  /** Creates {@code dir} and its parents, failing with the directory's name. */
  static void create(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir + " (" + e + ")", e);
    }
  }
}
