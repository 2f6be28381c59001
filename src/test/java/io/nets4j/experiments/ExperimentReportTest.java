package io.nets4j.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nets4j.bench.MachineInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSON and Markdown of a report, and the index built from the documents. */
class ExperimentReportTest {
  @TempDir
  Path tmp;

  private static ExperimentReport report(boolean holds, boolean quick) {
    return report(holds, quick, "1.00, 2.00, 3.00");
  }

  private static ExperimentReport report(boolean holds, boolean quick, String load) {
    Table t = new Table("Final errors", List.of("model", "parameters", "training error"),
        List.of(List.of("plain20_cifar", 269_434L, SeedStats.of(0.1, 0.2, 0.3))), 100);
    ExperimentResult r = new ExperimentResult(List.of(t), List.of(new Claim("first", true, "a"),
        new Claim("second", holds, "b")), List.of("x.png"), "one line", "## Set-up\n\ntext");
    return new ExperimentReport("degradation", "Degradation", r, new Budget(2, 100, 50, 16, 10, 3), quick,
        "bin/nets4j experiment degradation --quick", MachineInfo.current(), 12.5, load);
  }

  @Test
  void jsonHasTheTableAndHoldsPerClaim() throws Exception {
    JsonNode j = new ObjectMapper().readTree(report(false, true).json());
    assertEquals("degradation", j.get("experiment").asText());
    assertTrue(j.get("quick").asBoolean());
    assertFalse(j.get("holds").asBoolean(), "one claim fails, so the experiment does not hold");
    assertEquals(3, j.get("budget").get("seeds").asInt());
    assertEquals("1.00, 2.00, 3.00", j.get("load").asText());
    assertEquals(2, j.get("claims").size());
    assertTrue(j.get("claims").get(0).get("holds").asBoolean());
    assertFalse(j.get("claims").get(1).get("holds").asBoolean());
    JsonNode row = j.get("tables").get(0).get("rows").get(0);
    assertEquals(269_434L, row.get(1).asLong());
    assertEquals(0.2, row.get(2).get("mean").asDouble(), 1e-12);
    assertEquals(0.1, row.get(2).get("min").asDouble(), 1e-12);
    assertEquals(0.3, row.get(2).get("max").asDouble(), 1e-12);
    assertEquals(0.1, row.get(2).get("std").asDouble(), 1e-12);
    assertEquals(3, row.get(2).get("values").size());
    assertEquals("model", j.get("tables").get(0).get("columns").get(0).asText());
    assertTrue(new ObjectMapper().readTree(report(true, false).json()).get("holds").asBoolean());
  }

  @Test
  void markdownHasResultClaimsTableRunAndQuickMark() {
    String md = report(false, true).markdown();
    assertTrue(md.startsWith("# Degradation\n\n**Result:** one line\n"), md);
    assertTrue(md.contains("A quick run"), md);
    assertTrue(md.contains("| second | **no** | b |"), md);
    assertTrue(md.contains("| plain20_cifar | 269,434 | 20.0 ± 10.0 (10.0-30.0) |"), md);
    assertTrue(md.contains("![x.png](images/x.png)"), md);
    assertTrue(md.contains("- Command: `bin/nets4j experiment degradation --quick`"), md);
    assertTrue(md.contains("load average at the end: 1.00, 2.00, 3.00"), md);
    assertTrue(md.contains("- CPU: "), md);
    assertFalse(report(true, false).markdown().contains("A quick run"));
    int cores = MachineInfo.current().cores();
    assertTrue(report(true, true, (cores + 1) + ".00, 1.00, 1.00").markdown().contains("Run on a loaded machine (load average "
        + (cores + 1) + ".00, 1.00, 1.00 on " + cores + " cores)"));
    assertFalse(report(true, true, "0.00, 9.00, 9.00").markdown().contains("loaded machine"));
    assertFalse(report(true, true, "unknown").markdown().contains("loaded machine"));
  }

  @Test
  void indexListsEveryExperimentWithItsResultLine() throws Exception {
    Files.writeString(tmp.resolve("degradation.md"), report(true, true).markdown());
    ExperimentIndex.update(tmp);
    String index = Files.readString(tmp.resolve("README.md"));
    assertTrue(index.contains("- [degradation](degradation.md): one line\n"), index);
    assertTrue(index.contains("- [squeeze-excitation](squeeze-excitation.md): not run yet\n"), index);
  }

  @Test
  void tablesAndBudgetsRefuseBadShapes() {
    IllegalArgumentException row = assertThrows(IllegalArgumentException.class,
        () -> new Table("t", List.of("a", "b"), List.of(List.of("only one")), 1));
    assertTrue(row.getMessage().contains("1 cells, expected 2"), row.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Budget(0, 10, 10, 16, 5, 3));
    IllegalArgumentException batch = assertThrows(IllegalArgumentException.class, () -> new Budget(1, 10, 10, 16, 50, 3));
    assertTrue(batch.getMessage().contains("batch 50"), batch.getMessage());
    Budget b = new Budget(4, 2000, 1000, 16, 64, 3).override(new Budget.Overrides(1, 32, 0, 8, 0, 2));
    assertEquals(new Budget(1, 32, 1000, 8, 32, 2), b);
  }
}
