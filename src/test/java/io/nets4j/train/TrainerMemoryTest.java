package io.nets4j.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.tensor.NativeMemory;
import java.io.OutputStream;
import java.io.PrintStream;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The trainer's steps (batch collation, learning-rate setting, autocast, clipping, optimizer)
 * leave nothing behind: the native heap stays flat over thousands of steps.
 */
class TrainerMemoryTest {
  private static final int WARMUP = 300;
  private static final int STEPS = 1_500;
  /** A few hundred bytes per step at most; one leaked batch (8 x 3 x 8 x 8 floats) per step would be 24 MiB. */
  private static final long ALLOWED_HEAP_GROWTH = 4L << 20;

  @Test
  void nativeHeapStaysFlat() {
    torch.manual_seed(0);
    TinyNet net = new TinyNet(4);
    PatternDataset data = new PatternDataset(64, 8, 1);
    long[] baseline = {-1};
    long[] end = {-1};
    int epochs = (WARMUP + STEPS) / 8;
    TrainConfig config = TrainConfig.builder(epochs).clipGradNorm(1).bf16(true).labelSmoothing(0.1)
        .optimizer(OptimizerSpec.adamw(1e-3)).build();
    new Trainer(net, "tiny", config).progress(Trainer.ProgressMode.NONE)
        .output(new PrintStream(OutputStream.nullOutputStream())).onStep(s -> {
          if (s.step() == WARMUP) {
            NativeMemory.settle();
            baseline[0] = NativeMemory.mallocInUseBytes();
          } else if (s.step() == WARMUP + STEPS - 1) {
            NativeMemory.settle();
            end[0] = NativeMemory.mallocInUseBytes();
          }
        }).fit(LoaderBatches.training(data, 8, 0), null);
    if (baseline[0] < 0) {
      return; // no malloc statistics on this platform (the process-wide test covers resident memory)
    }
    long growth = end[0] - baseline[0];
    System.out.printf("native heap over %d trainer steps: %+.1f KiB%n", STEPS, growth / 1024.0);
    assertTrue(growth < ALLOWED_HEAP_GROWTH, "native heap grew by " + growth / 1024 + " KiB");
  }
}
