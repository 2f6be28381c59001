package io.nets4j.experiments;

import java.util.List;
import java.util.Locale;

/**
 * A table of measured numbers. Cells are strings, numbers or {@link SeedStats} (written as
 * {@code mean ± std (min-max)} in Markdown and as an object in JSON).
 *
 * @param title what the table shows
 * @param columns column headings
 * @param rows one list of cells per row, as many as columns
 * @param scale factor {@link SeedStats} cells are multiplied by in Markdown (100 for rates shown in percent)
 */
public record Table(String title, List<String> columns, List<List<Object>> rows, double scale) {
  public Table {
    columns = List.copyOf(columns);
    rows = rows.stream().map(List::copyOf).toList();
    for (List<Object> row : rows) {
      if (row.size() != columns.size()) {
        throw new IllegalArgumentException("table '" + title + "': a row has " + row.size() + " cells, expected "
            + columns.size() + " " + columns);
      }
    }
  }

  /** The table as Markdown. */
  public String markdown() {
    StringBuilder b = new StringBuilder();
    b.append("| ").append(String.join(" | ", columns)).append(" |\n|");
    b.append(" --- |".repeat(columns.size())).append('\n');
    for (List<Object> row : rows) {
      b.append('|');
      for (Object cell : row) {
        b.append(' ').append(cell(cell)).append(" |");
      }
      b.append('\n');
    }
    return b.toString();
  }

  private String cell(Object cell) {
    if (cell instanceof SeedStats s) {
      return s.format(scale);
    }
    // counts with thousands separators, as the rest of the documents write parameters
    return cell instanceof Integer || cell instanceof Long ? String.format(Locale.ROOT, "%,d", cell) : String.valueOf(cell);
  }
}
