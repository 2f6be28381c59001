package io.nets4j.sequence.tasks;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.Month;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Function;

/**
 * A generated translation task: dates written in many human formats ("saturday 22 nov 2026",
 * "11/22/26", "22. November 2026", ...) to ISO 8601 ("2026-11-22"). Dates run from 1950 to 2049
 * (two-digit years below 50 are 20xx); a seeded shuffle splits the days into held-out and training
 * dates that never overlap, so accuracy on held-out dates measures generalisation, not memory.
 */
public final class DateTask {
  /** First and last date of the task. */
  public static final LocalDate FIRST = LocalDate.of(1950, 1, 1);
  public static final LocalDate LAST = LocalDate.of(2049, 12, 31);
  /** The longest source any format produces ("wednesday, september 30, 2026" is 29 characters). */
  public static final int MAX_SOURCE_LENGTH = 32;
  /** "yyyy-mm-dd". */
  public static final int TARGET_LENGTH = 10;

  /** One example: a date as written, its ISO form and the name of the format. */
  public record Example(String source, String target, String format) {}

  /** A named way of writing a date. */
  public record Format(String name, Function<LocalDate, String> writer) {}

  /** Every format the generator writes, with one example each (for 2026-11-22). */
  public static final List<Format> FORMATS = List.of(
      new Format("iso", d -> d.toString()),
      new Format("d/m/yyyy", d -> two(d.getDayOfMonth()) + "/" + two(d.getMonthValue()) + "/" + d.getYear()),
      new Format("m/d/yy", d -> two(d.getMonthValue()) + "/" + two(d.getDayOfMonth()) + "/" + two(d.getYear() % 100)),
      new Format("d.m.yyyy", d -> d.getDayOfMonth() + "." + d.getMonthValue() + "." + d.getYear()),
      new Format("yyyy/mm/dd", d -> d.getYear() + "/" + two(d.getMonthValue()) + "/" + two(d.getDayOfMonth())),
      new Format("yyyymmdd", d -> d.getYear() + two(d.getMonthValue()) + two(d.getDayOfMonth())),
      new Format("d. Month yyyy", d -> d.getDayOfMonth() + ". " + month(d, TextStyle.FULL) + " " + d.getYear()),
      new Format("d month yyyy", d -> d.getDayOfMonth() + " " + lower(month(d, TextStyle.FULL)) + " " + d.getYear()),
      new Format("mon d, yyyy", d -> lower(month(d, TextStyle.SHORT)) + " " + d.getDayOfMonth() + ", " + d.getYear()),
      new Format("Month d, yyyy", d -> month(d, TextStyle.FULL) + " " + d.getDayOfMonth() + ", " + d.getYear()),
      new Format("weekday d mon yyyy", d -> lower(day(d.getDayOfWeek(), TextStyle.FULL)) + " " + d.getDayOfMonth() + " "
          + lower(month(d, TextStyle.SHORT)) + " " + d.getYear()),
      new Format("Weekday, Month d, yyyy", d -> day(d.getDayOfWeek(), TextStyle.FULL) + ", " + month(d, TextStyle.FULL)
          + " " + d.getDayOfMonth() + ", " + d.getYear()),
      new Format("wkd, dd mon yy", d -> lower(day(d.getDayOfWeek(), TextStyle.SHORT)) + ", " + two(d.getDayOfMonth())
          + " " + lower(month(d, TextStyle.SHORT)) + " " + two(d.getYear() % 100)),
      new Format("DD-MON-YYYY", d -> two(d.getDayOfMonth()) + "-" + month(d, TextStyle.SHORT).toUpperCase(Locale.ROOT)
          + "-" + d.getYear()),
      new Format("the dth of month yyyy", d -> "the " + ordinal(d.getDayOfMonth()) + " of "
          + lower(month(d, TextStyle.FULL)) + " " + d.getYear()));

  private final List<LocalDate> training;
  private final List<LocalDate> heldOut;
  private final List<Format> formats;

  /**
   * Splits the days of the task.
   *
   * @param heldOutDays how many days are held out
   * @param seed the seed of the split
   */
  public DateTask(int heldOutDays, long seed) {
    this(heldOutDays, seed, FORMATS);
  }

  /** The task restricted to some of the {@link #FORMATS}, e.g. for a quick test. */
  public DateTask(int heldOutDays, long seed, List<Format> formats) {
    if (formats.isEmpty()) {
      throw new IllegalArgumentException("the date task needs at least one format");
    }
    this.formats = List.copyOf(formats);
    List<LocalDate> all = new ArrayList<>();
    for (LocalDate d = FIRST; !d.isAfter(LAST); d = d.plusDays(1)) {
      all.add(d);
    }
    if (heldOutDays <= 0 || heldOutDays >= all.size()) {
      throw new IllegalArgumentException("held-out days must be in [1, " + all.size() + "), got " + heldOutDays);
    }
    Collections.shuffle(all, new Random(seed));
    heldOut = List.copyOf(all.subList(0, heldOutDays));
    training = List.copyOf(all.subList(heldOutDays, all.size()));
  }

  public List<Format> formats() {
    return formats;
  }

  public List<LocalDate> trainingDates() {
    return training;
  }

  public List<LocalDate> heldOutDates() {
    return heldOut;
  }

  /** {@code n} training examples, each a random training date in a random format. */
  public List<Example> trainingExamples(int n, Random random) {
    return examples(training, formats, n, random);
  }

  /** {@code n} held-out examples, each a random held-out date in a random format. */
  public List<Example> heldOutExamples(int n, Random random) {
    return examples(heldOut, formats, n, random);
  }

  private static List<Example> examples(List<LocalDate> dates, List<Format> formats, int n, Random random) {
    List<Example> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      LocalDate d = dates.get(random.nextInt(dates.size()));
      out.add(example(d, formats.get(random.nextInt(formats.size()))));
    }
    return out;
  }

  /** The date {@code d} written in {@code format}, with its ISO form. */
  public static Example example(LocalDate d, Format format) {
    return new Example(format.writer().apply(d), d.toString(), format.name());
  }

  /** Every character any format writes, and the ISO target's. */
  public static List<String> alphabet() {
    List<String> texts = new ArrayList<>();
    for (Month m : Month.values()) {
      LocalDate d = LocalDate.of(2000, m, 1);
      for (int day = 0; day < 7; day++) {
        for (Format f : FORMATS) {
          texts.add(f.writer().apply(d.plusDays(day)));
        }
      }
    }
    texts.add("0123456789-");
    return texts;
  }

  private static String two(int v) {
    return v < 10 ? "0" + v : Integer.toString(v);
  }

  private static String month(LocalDate d, TextStyle style) {
    return d.getMonth().getDisplayName(style, Locale.ENGLISH);
  }

  private static String day(DayOfWeek d, TextStyle style) {
    return d.getDisplayName(style, Locale.ENGLISH);
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  private static String ordinal(int n) {
    String suffix = (n % 100 >= 11 && n % 100 <= 13) ? "th" : switch (n % 10) {
      case 1 -> "st";
      case 2 -> "nd";
      case 3 -> "rd";
      default -> "th";
    };
    return n + suffix;
  }
}
