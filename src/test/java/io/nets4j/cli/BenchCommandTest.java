package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.bench.BenchResult;
import io.nets4j.bench.BenchSuite;
import io.nets4j.bench.MachineInfo;
import io.nets4j.bench.OptimisationLadder;
import io.nets4j.bench.Stats;
import io.nets4j.tensor.CpuCapabilities;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchCommandTest {
  @Test
  void benchPrintsJson() {
    CliTest.Run r = CliTest.run("bench", "shufflenet_v2_x0_5", "--size", "32", "--batch", "2", "--warmup", "0",
        "--iters", "10", "--json");
    assertEquals(0, r.exit(), r.err());
    BenchResult b = BenchResult.parse(r.out());
    assertEquals("shufflenet_v2_x0_5", b.options().model());
    assertEquals(10, b.latencyMs().n());
  }

  /** Every optimisation step is timed on its own copy; each copy computes what the eager model computes. */
  @Test
  void ladderTimesEveryOptimisationStep() {
    CliTest.Run r = CliTest.run("bench", "resnet18", "--ladder", "--size", "32", "--warmup", "0", "--iters", "10",
        "--json");
    assertEquals(0, r.exit(), r.err());
    OptimisationLadder.Result ladder = OptimisationLadder.Result.parse(r.out());
    assertEquals(OptimisationLadder.STEPS.size(), ladder.steps().size());
    assertEquals("eager float32", ladder.steps().get(0));
    for (Stats s : ladder.latencyMs()) {
      assertEquals(10, s.n());
      assertTrue(s.median() > 0, ladder.text());
    }
    assertEquals(1.0, ladder.speedUp(0));
    assertEquals(CpuCapabilities.current().bf16WeightPacking().supported(), ladder.fallbacks().isEmpty(),
        ladder.fallbacks().toString());
    String table = new BenchSuite.Report(MachineInfo.current(), "nets4j bench --suite", List.of(), List.of(ladder),
        List.of(), List.of()).markdown();
    assertTrue(table.contains("## Inference optimisations, batch 1") && table.contains("| resnet18 | ")
        && table.contains("| + packed weights (`--optimize`) |"), table);
    String bf16Row = table.lines().filter(l -> l.startsWith("| bfloat16 weights")).findFirst().orElseThrow();
    assertTrue(bf16Row.endsWith(CpuCapabilities.current().bf16WeightPacking().supported() ? "| yes |"
        : "| no: convolutions run unpacked in bfloat16 (ATen's reference kernels) |"), bf16Row);
    CliTest.Run lstm = CliTest.run("bench", "lstm_lm", "--ladder");
    assertEquals(1, lstm.exit());
    assertTrue(lstm.err().contains("applies to image models, not lstm_lm"), lstm.err());
  }

  @Test
  void badArgumentsGiveClearErrors() {
    CliTest.Run r = CliTest.run("bench", "resnet18", "--iters", "3");
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("--iters must be >= 10"), r.err());
    r = CliTest.run("bench", "resnet18", "--dtype", "f16");
    assertTrue(r.err().contains("unknown --dtype 'f16'"), r.err());
    r = CliTest.run("bench", "--suite", "resnet18");
    assertTrue(r.err().contains("--suite runs a fixed set"), r.err());
    r = CliTest.run("bench", "resnet5O");
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("resnet5O"), r.err());
  }

  /**
   * Runs the comparison when the shared fixtures hold an ONNX export with its weights (they hold
   * none today; exports are made by hand with torch.onnx, see docs/performance.md), and always
   * checks the errors for a missing ONNX file, missing weights and a file that is not ONNX.
   */
  @Test
  void compareOnnxRuntimeRunsOrNamesTheMissingFile(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    Path fixture = Path.of("../shared/fixtures/onnx/resnet18.onnx");
    if (Files.isRegularFile(fixture)) {
      CliTest.Run r = CliTest.run("bench", "resnet18", "--compare-onnxruntime", fixture.toString(), "--batch", "2",
          "--warmup", "0", "--iters", "10");
      assertEquals(0, r.exit(), r.err());
      assertTrue(r.out().contains("outputs agree") && r.out().contains("ORT/nets4j"), r.out());
    }
    Path missing = dir.resolve("absent.onnx");
    CliTest.Run r = CliTest.run("bench", "resnet18", "--compare-onnxruntime", missing.toString(), "--weights",
        missing.toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("ONNX model not found: " + missing), r.err());
    Path notOnnx = Files.writeString(dir.resolve("resnet18.onnx"), "not a protobuf");
    r = CliTest.run("bench", "resnet18", "--compare-onnxruntime", notOnnx.toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("no resnet18.pth, .pt or .safetensors next to " + notOnnx), r.err());
    Path weights = dir.resolve("resnet18.safetensors");
    io.nets4j.io.StateDicts.save(io.nets4j.models.Models.create("resnet18"), weights);
    r = CliTest.run("bench", "resnet18", "--compare-onnxruntime", notOnnx.toString(), "--size", "32", "--warmup", "0",
        "--iters", "10");
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("not an ONNX model ONNX Runtime can load: " + notOnnx), r.err());
  }

  /** The competing process runs during the measurement only. */
  @Test
  void backgroundLoadRunsAndEndsWithTheMeasurement() {
    CliTest.Run r = CliTest.run("bench", "shufflenet_v2_x0_5", "--size", "32", "--batch", "1", "--warmup", "0",
        "--iters", "10", "--json", "--background-load");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.err().contains("background load: one busy process at nice 19"), r.err());
    assertEquals(10, BenchResult.parse(r.out()).latencyMs().n());
    assertTrue(ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive),
        "the busy process must be gone after the measurement");
    r = CliTest.run("bench", "--suite", "--background-load");
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("--background-load applies to a measurement in this JVM"), r.err());
  }
}
