package io.nets4j.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training is plain training on the union of the ranks' batches: two processes with
 * batch B end with the parameters of one process with batch 2B on the same samples (float64, SGD
 * with momentum and weight decay, two epochs so that the per-epoch order matters); with
 * {@code --sync-batch-norm} also for a model with batch norm, running statistics included.
 */
class DataParallelTest {
  @TempDir
  Path dir;

  @Test
  void twoProcessesWithBatchBMatchOneProcessWithBatch2B() throws Exception {
    assertEquivalent("mlp");
  }

  /** With batch norm the ranks must normalise with the statistics of both batches together. */
  @Test
  void withSyncBatchNormTwoProcessesMatchOneProcessIncludingRunningStatistics() throws Exception {
    assertEquivalent("sync-bn");
  }

  private void assertEquivalent(String model) throws Exception {
    boolean batchNorm = model.equals("sync-bn");
    int port = ChildJvms.freePort();
    try (ChildJvms jvms = new ChildJvms()) {
      Process[] ranks = new Process[2];
      for (int r = 0; r < 2; r++) {
        ranks[r] = jvms.start(DataParallelWorker.class.getName(), List.of("4", dir.resolve("rank" + r + ".bin")
            .toString(), model), ChildJvms.rankEnvironment(port, 2, r, 60), dir.resolve("rank" + r + ".log"));
      }
      Map<String, double[]> single = DataParallelWorker.train(8, null, batchNorm);
      for (int r = 0; r < 2; r++) {
        Path log = dir.resolve("rank" + r + ".log");
        assertEquals(0, ChildJvms.exitCode(ranks[r], 120, log), () -> ChildJvms.read(log));
      }
      Map<String, double[]> rank0 = DataParallelWorker.read(dir.resolve("rank0.bin"));
      Map<String, double[]> rank1 = DataParallelWorker.read(dir.resolve("rank1.bin"));
      assertEquals(single.keySet(), rank0.keySet());
      if (batchNorm) {
        assertTrue(single.containsKey("features.1.running_var"), single.keySet().toString());
      }
      for (String name : single.keySet()) {
        // the ranks apply the same averaged gradients: bit for bit the same parameters
        assertArrayEquals(rank0.get(name), rank1.get(name), 0.0, name + " differs between the ranks");
        assertArrayEquals(single.get(name), rank0.get(name), 1e-10, name + " differs from the single process");
      }
      // the comparison means something only if training moved every tensor
      Map<String, double[]> untrained = DataParallelWorker.initial(batchNorm);
      for (String name : single.keySet()) {
        double largestChange = 0;
        for (int i = 0; i < single.get(name).length; i++) {
          largestChange = Math.max(largestChange, Math.abs(single.get(name)[i] - untrained.get(name)[i]));
        }
        assertTrue(largestChange > 1e-3, name + " changed by at most " + largestChange);
      }
    }
  }
}
