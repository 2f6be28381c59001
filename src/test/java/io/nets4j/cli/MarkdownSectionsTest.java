package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MarkdownSectionsTest {
  @TempDir
  Path tmp;

  @Test
  void sectionsAreAppendedThenReplacedInPlace() throws Exception {
    Path file = tmp.resolve("sub/doc.md");
    MarkdownSections.write(file, "# Title\n\n", "a", "first A");
    MarkdownSections.write(file, "# ignored\n\n", "b", "first B\n");
    MarkdownSections.write(file, "# ignored\n\n", "a", "second A\nmore");
    assertEquals("# Title\n\n<!-- begin a -->\nsecond A\nmore\n<!-- end a -->\n\n<!-- begin b -->\nfirst B\n"
        + "<!-- end b -->\n", Files.readString(file));
  }

  @Test
  void brokenMarkersAreReportedNotOverwritten() throws Exception {
    Path file = tmp.resolve("doc.md");
    Files.writeString(file, "# T\n\n<!-- begin a -->\nhand-edited, end marker lost\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MarkdownSections.write(file, "", "a", "new"));
    assertTrue(e.getMessage().contains("broken section 'a'") && e.getMessage().contains("doc.md"), e.getMessage());
    assertTrue(Files.readString(file).contains("hand-edited"));
  }

  @Test
  void linksAreRelativeToTheReport() {
    assertEquals("images/x/a.png", MarkdownSections.link(tmp.resolve("docs/r.md"), tmp.resolve("docs/images/x/a.png")));
    assertEquals("../maps/a.png", MarkdownSections.link(tmp.resolve("docs/r.md"), tmp.resolve("maps/a.png")));
  }
}
