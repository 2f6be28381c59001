package io.nets4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Markdown report assembled from sections that different commands generate: each section sits
 * between {@code <!-- begin ID -->} and {@code <!-- end ID -->} markers, and writing a section
 * replaces only its own text (or appends it), so e.g. {@code nets4j lm} and {@code nets4j seq2seq}
 * can write to one document without overwriting each other's results.
 */
final class MarkdownSections {
  private MarkdownSections() {}

  /**
   * Writes {@code body} as section {@code id} of {@code file}; a new file starts with
   * {@code header}.
   */
  static void write(Path file, String header, String id, String body) {
    if (id.isBlank() || id.contains("-->")) {
      throw new IllegalArgumentException("invalid report section id '" + id + "'");
    }
    String begin = "<!-- begin " + id + " -->\n";
    String end = "<!-- end " + id + " -->\n";
    String section = begin + body + (body.endsWith("\n") ? "" : "\n") + end;
    try {
      String text = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : header;
      int from = text.indexOf(begin);
      int to = text.indexOf(end);
      if (from >= 0 && to > from) {
        text = text.substring(0, from) + section + text.substring(to + end.length());
      } else if (from >= 0 || to >= 0) {
        throw new IllegalArgumentException("report " + file + " has a broken section '" + id
            + "' (one of its begin/end markers is missing or out of order)");
      } else {
        text = text + (text.isEmpty() || text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n") + section;
      }
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write report " + file + ": " + e.getMessage(), e);
    }
  }

  /** {@code target} relative to the directory of {@code report}, with forward slashes, for a Markdown link. */
  static String link(Path report, Path target) {
    Path dir = report.toAbsolutePath().normalize().getParent();
    Path t = target.toAbsolutePath().normalize();
    return (dir == null ? t : dir.relativize(t)).toString().replace('\\', '/');
  }
}
