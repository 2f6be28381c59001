package io.nets4j.analysis;

import java.util.Arrays;
import java.util.Locale;

/** How a {@link ModelSummary} is rendered. */
public enum SummaryFormat {
  /** An aligned plain-text table, as torchinfo prints it. */
  TEXT,
  /** A Markdown table followed by the totals. */
  MARKDOWN,
  /** A JSON document (rows and totals, exact numbers). */
  JSON;

  /** Parses {@code text}, {@code markdown} (or {@code md}) or {@code json}, in any case. */
  public static SummaryFormat parse(String s) {
    String v = s.strip().toLowerCase(Locale.ROOT);
    return switch (v) {
      case "text", "txt" -> TEXT;
      case "markdown", "md" -> MARKDOWN;
      case "json" -> JSON;
      default -> throw new IllegalArgumentException("unknown summary format '" + s + "'; expected one of "
          + Arrays.stream(values()).map(f -> f.name().toLowerCase(Locale.ROOT)).toList());
    };
  }
}
