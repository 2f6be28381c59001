package io.nets4j.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The native-memory discipline: 10,000 training iterations of a small model, each inside a
 * {@link Scope}, keep the process's resident memory flat.
 */
class NativeMemoryTest {
  private static final int ITERATIONS = 10_000;
  private static final int WARMUP = 1_000;
  private static final long ALLOWED_GROWTH_BYTES = 16L << 20;

  @Test
  void tenThousandTrainingStepsKeepResidentMemoryFlat() throws IOException {
    torch.manual_seed(1);
    ModuleTest.Tiny model = new ModuleTest.Tiny();
    SGDOptions options = new SGDOptions(0.01);
    options.momentum().put(0.9);
    SGD sgd = new SGD(new TensorVector(model.parameters().toArray(new Tensor[0])), options);
    Tensor x = Tensors.fromFloats(new float[8 * 3 * 6 * 6], 8, 3, 6, 6).normal_();
    Tensor y = Tensors.fromLongs(new long[] {0, 1, 0, 1, 0, 1, 0, 1});
    long afterWarmup = 0;
    double firstLoss = 0;
    double lastLoss = 0;
    for (int i = 0; i < ITERATIONS; i++) {
      try (Scope s = Scope.open()) {
        Tensor loss = F.crossEntropy(model.forward(x), y);
        sgd.zero_grad();
        loss.backward();
        sgd.step();
        lastLoss = loss.item_double();
        if (i == 0) {
          firstLoss = lastLoss;
        }
      }
      if (i == WARMUP) {
        System.gc();
        afterWarmup = residentBytes();
      }
    }
    System.gc();
    long growth = residentBytes() - afterWarmup;
    System.out.printf("resident memory growth over %d steps: %.1f MiB (loss %.3f -> %.3f)%n",
        ITERATIONS - WARMUP, growth / 1048576.0, firstLoss, lastLoss);
    assertTrue(lastLoss < firstLoss, "the model should learn: loss " + firstLoss + " -> " + lastLoss);
    assertTrue(growth < ALLOWED_GROWTH_BYTES, "resident memory grew by " + growth / 1048576 + " MiB");
  }

  /** Resident set size from /proc (Linux); other systems use JavaCPP's physical-bytes reading. */
  static long residentBytes() throws IOException {
    Path status = Path.of("/proc/self/status");
    if (Files.isReadable(status)) {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    }
    return org.bytedeco.javacpp.Pointer.physicalBytes();
  }
}
