package io.nets4j.analysis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads back the Markdown tables of generated documents, for tests. */
final class MarkdownTables {
  private MarkdownTables() {}

  /**
   * The body rows of the first table whose header row is exactly {@code header}, as trimmed cells.
   *
   * @throws AssertionError if the document has no such table
   */
  static List<List<String>> rows(String doc, String... header) {
    List<String> lines = doc.lines().toList();
    List<String> wanted = List.of(header);
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("|") && cells(lines.get(i)).equals(wanted)) {
        List<List<String>> body = new ArrayList<>();
        for (int j = i + 2; j < lines.size() && lines.get(j).startsWith("|"); j++) {
          List<String> row = cells(lines.get(j));
          if (row.size() != header.length) {
            throw new AssertionError("row of " + row.size() + " cells under a header of " + header.length + ": "
                + lines.get(j));
          }
          body.add(row);
        }
        return body;
      }
    }
    throw new AssertionError("no table with header " + wanted + " in\n" + doc);
  }

  static List<String> cells(String line) {
    String inner = line.substring(1, line.length() - (line.endsWith("|") ? 1 : 0));
    return Arrays.stream(inner.split("\\|", -1)).map(String::trim).toList();
  }
}
