package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SequenceTasksCliTest {
  @TempDir
  Path tmp;

  @Test
  void seq2seqRejectsBadDatesBeforeTraining() {
    CliTest.Run tooLong = CliTest.run("seq2seq", "--translate", "1".repeat(50));
    assertEquals(1, tooLong.exit());
    assertTrue(tooLong.err().contains("50 characters") && tooLong.err().contains("limit of 32"), tooLong.err());
    CliTest.Run unknown = CliTest.run("seq2seq", "--model", "transformer", "--translate", "22 nov 2026,,22 nov 2026 €");
    assertEquals(1, unknown.exit());
    assertTrue(unknown.err().contains("source 1") && unknown.err().contains("'€'"), unknown.err());
    CliTest.Run empty = CliTest.run("seq2seq", "--translate", "");
    assertEquals(1, empty.exit());
    assertTrue(empty.err().contains("empty"), empty.err());
    CliTest.Run model = CliTest.run("seq2seq", "--model", "lstm");
    assertEquals(1, model.exit());
    assertTrue(model.err().contains("unknown model 'lstm'"), model.err());
  }

  @Test
  void seq2seqTrainsDrawsHeatmapsAndWritesItsReportSection() throws Exception {
    Path dir = tmp.resolve("maps");
    Path report = tmp.resolve("docs/report.md");
    CliTest.Run r = CliTest.run("seq2seq", "--steps", "2", "--eval-examples", "20", "--final-examples", "30",
        "--out", dir.toString(), "--report", report.toString(), "--translate", "nov 22, 2026");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("held-out exact match") && r.out().contains("\"nov 22, 2026\""), r.out());
    assertTrue(Files.exists(dir.resolve("bahdanau-2.png")), r.out());
    String md = Files.readString(report, StandardCharsets.UTF_8);
    assertTrue(md.startsWith("# Sequence models") && md.contains("<!-- begin seq2seq-bahdanau -->")
        && md.contains("| d/m/yyyy |") && md.contains(" of 30)"), md);
    assertTrue(md.contains("](../maps/bahdanau-2.png)"), md);
    // the language models write their own section and keep this one
    CliTest.Run lm = CliTest.run("lm", "--corpus-size", "4000", "--steps", "2", "--length", "16", "--width", "16",
        "--models", "lstm", "--report", report.toString());
    assertEquals(0, lm.exit(), lm.err());
    String both = Files.readString(report, StandardCharsets.UTF_8);
    assertTrue(both.contains("<!-- begin lm -->") && both.contains("<!-- end seq2seq-bahdanau -->")
        && both.indexOf("# Sequence models") == both.lastIndexOf("# Sequence models"), both);
  }

  @Test
  void lmComparesEveryModelAndWritesTheReport() throws Exception {
    Path report = tmp.resolve("report.md");
    CliTest.Run r = CliTest.run("lm", "--corpus-size", "4000", "--steps", "3", "--length", "16", "--width", "16",
        "--report", report.toString());
    assertEquals(0, r.exit(), r.err());
    String md = Files.readString(report, StandardCharsets.UTF_8);
    for (String row : new String[] {"| 5-gram", "| fixed-window MLP |", "| LSTM |", "| GRU |", "| causal Transformer |"}) {
      assertTrue(md.contains(row), row + " in\n" + md);
    }
    assertTrue(md.contains("Sample from the best model"), md);
  }

  @Test
  void lmRejectsEmptyAndTinyCorpora() throws Exception {
    Path empty = tmp.resolve("empty.txt");
    Files.writeString(empty, "");
    CliTest.Run r = CliTest.run("lm", "--corpus", empty.toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("is empty"), r.err());
    Path tiny = tmp.resolve("tiny.txt");
    Files.writeString(tiny, "hello");
    CliTest.Run t = CliTest.run("lm", "--corpus", tiny.toString());
    assertEquals(1, t.exit());
    assertTrue(t.err().contains("5 characters"), t.err());
    Path binary = tmp.resolve("bin.txt");
    Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0x41});
    CliTest.Run b = CliTest.run("lm", "--corpus", binary.toString());
    assertEquals(1, b.exit());
    assertTrue(b.err().contains("not valid UTF-8"), b.err());
  }
}
