package io.nets4j.analysis;

import java.util.ArrayList;
import java.util.List;

/** A Markdown table built row by row; numeric columns are right-aligned. */
final class MarkdownTable {
  private final String[] header;
  private final boolean[] right;
  private final List<String[]> rows = new ArrayList<>();

  /** Columns whose name starts with {@code >} are right-aligned (the marker is not printed). */
  MarkdownTable(String... columns) {
    header = new String[columns.length];
    right = new boolean[columns.length];
    for (int i = 0; i < columns.length; i++) {
      right[i] = columns[i].startsWith(">");
      header[i] = right[i] ? columns[i].substring(1) : columns[i];
    }
  }

  MarkdownTable row(Object... cells) {
    if (cells.length != header.length) {
      throw new IllegalArgumentException("a row needs " + header.length + " cells, got " + cells.length);
    }
    String[] r = new String[cells.length];
    for (int i = 0; i < cells.length; i++) {
      r[i] = cells[i] instanceof Long || cells[i] instanceof Integer
          ? SummaryRenderer.grouped(((Number) cells[i]).longValue())
          : String.valueOf(cells[i]);
    }
    rows.add(r);
    return this;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("|");
    for (String h : header) {
      b.append(' ').append(h).append(" |");
    }
    b.append("\n|");
    for (boolean r : right) {
      b.append(r ? "---:|" : "---|");
    }
    b.append('\n');
    for (String[] r : rows) {
      b.append('|');
      for (String c : r) {
        b.append(' ').append(c).append(" |");
      }
      b.append('\n');
    }
    return b.toString();
  }
}
