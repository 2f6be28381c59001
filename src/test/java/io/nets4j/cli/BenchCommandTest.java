package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.bench.BenchResult;
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
}
