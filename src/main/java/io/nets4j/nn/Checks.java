package io.nets4j.nn;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The one validation layer for options and metadata: the command-line commands and the compact
 * constructors of the configuration records check their values here, so every bad value fails the
 * same way, with an {@link IllegalArgumentException} naming the option (or key) and the accepted
 * range, before anything is computed from it.
 */
public final class Checks {
  private Checks() {}

  /** {@code value} must be at least 1. */
  public static int positive(String name, int value) {
    return range(name, value, 1, Integer.MAX_VALUE);
  }

  /** {@code value} must be at least 0. */
  public static int nonNegative(String name, int value) {
    return range(name, value, 0, Integer.MAX_VALUE);
  }

  /** {@code value} must be in {@code [min, max]}. */
  public static int range(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be " + describe(min, max) + ", got " + value);
    }
    return value;
  }

  /** {@code value} must be finite and greater than 0 (NaN and infinity are refused). */
  public static double positive(String name, double value) {
    if (!(Double.isFinite(value) && value > 0)) {
      throw new IllegalArgumentException(name + " must be a finite number > 0, got " + value);
    }
    return value;
  }

  /** {@code value} must be finite and at least 0. */
  public static double nonNegative(String name, double value) {
    if (!(Double.isFinite(value) && value >= 0)) {
      throw new IllegalArgumentException(name + " must be a finite number >= 0, got " + value);
    }
    return value;
  }

  /** {@code value} must be in {@code [min, max]} (NaN is refused). */
  public static double range(String name, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "%s must be in [%s, %s], got %s", name,
          trim(min), trim(max), value));
    }
    return value;
  }

  /** A probability: {@code value} in {@code [0, 1]}. */
  public static double probability(String name, double value) {
    return range(name, value, 0, 1);
  }

  /**
   * An integer metadata entry {@code key} of {@code source} (a file), in {@code [min, max]}.
   *
   * @return the value, or {@code fallback} if the key is absent
   * @throws IllegalArgumentException naming the key and the file if the value is no integer or out of range
   */
  public static int intEntry(Map<String, String> metadata, String key, Object source, int min, int max,
      int fallback) {
    String text = metadata.get(key);
    if (text == null) {
      return fallback;
    }
    int value;
    try {
      value = Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(source + ": metadata " + key + " = \"" + text + "\" is not an integer", e);
    }
    if (value < min || value > max) {
      throw new IllegalArgumentException(source + ": metadata " + key + " = " + value + " must be "
          + describe(min, max));
    }
    return value;
  }

  /**
   * A run or output name that stays inside its parent folder: no path separators, not {@code .}
   * or {@code ..}, not empty.
   */
  public static String simpleName(String name, String value) {
    if (value.isBlank() || value.equals(".") || value.equals("..") || value.contains("/") || value.contains("\\")
        || value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(name + " must be a plain folder name (no '/', '\\', '.' or '..'), got '"
          + value + "'");
    }
    return value;
  }

  /**
   * An output file (or folder) the command may write: its parent folder (or the nearest existing
   * ancestor, where the folders will be created) must be a writable folder. Checked before the
   * work, so a typo in an output path does not cost a training run.
   */
  public static Path writableOutput(String name, Path target) {
    Path p = target.toAbsolutePath().normalize().getParent();
    while (p != null && !Files.exists(p)) {
      p = p.getParent();
    }
    if (p == null || !Files.isDirectory(p) || !Files.isWritable(p)) {
      throw new IllegalArgumentException(name + " " + target + ": " + (p == null ? "no existing parent folder"
          : Files.isDirectory(p) ? "the folder " + p + " is not writable" : p + " is not a folder"));
    }
    if (Files.isRegularFile(target) && !Files.isWritable(target)) {
      throw new IllegalArgumentException(name + " " + target + ": the file is not writable");
    }
    return target;
  }

  private static String describe(long min, long max) {
    if (max == Integer.MAX_VALUE) {
      return min == 1 ? "positive" : min == 0 ? "0 or more" : "at least " + min;
    }
    return "in [" + min + ", " + max + "]";
  }

  private static String trim(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }
}
