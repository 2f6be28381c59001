package io.nets4j.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.tensor.NativeMemory;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The native-memory discipline: 10,000 training iterations of a small model, each inside a
 * {@link Scope}, keep the process's resident memory flat (measured after a warm-up); the same measurement sees a leak.
 */
class NativeMemoryTest {
  private static final int ITERATIONS = 10_000;
  /** Steps before the baseline, so that the JIT and the allocator's arenas have settled. */
  private static final int WARMUP = 3_000;
  /** About 400 bytes per measured step: one leaked activation of the model is far larger. */
  private static final long ALLOWED_HEAP_GROWTH = 4L << 20;
  /** The resident size also moves with the JIT and the allocator's caches, hence a looser bound. */
  private static final long ALLOWED_RESIDENT_GROWTH = 32L << 20;

  @Test
  void tenThousandTrainingStepsKeepResidentMemoryFlat() {
    Trainer t = new Trainer();
    long baselineResident = 0;
    long baselineHeap = 0;
    double firstLoss = t.step(null);
    double lastLoss = firstLoss;
    for (int i = 1; i < WARMUP + ITERATIONS; i++) {
      lastLoss = t.step(null);
      if (i == WARMUP) {
        NativeMemory.settle();
        baselineResident = NativeMemory.residentBytes();
        baselineHeap = NativeMemory.mallocInUseBytes();
      }
    }
    NativeMemory.settle();
    long resident = NativeMemory.residentBytes() - baselineResident;
    long heap = NativeMemory.mallocInUseBytes() - baselineHeap;
    System.out.printf("over %d steps: resident memory %+.1f MiB, native heap in use %+.1f MiB (loss %.3f -> %.3f)%n",
        ITERATIONS, resident / 1048576.0, heap / 1048576.0, firstLoss, lastLoss);
    assertTrue(lastLoss < firstLoss, "the model should learn: loss " + firstLoss + " -> " + lastLoss);
    assertTrue(resident < ALLOWED_RESIDENT_GROWTH, "resident memory grew by " + resident / 1048576 + " MiB");
    if (NativeMemory.mallocInUseBytes() >= 0) {
      assertTrue(heap < ALLOWED_HEAP_GROWTH, "native heap in use grew by " + heap / 1024 + " KiB");
    }
  }

  /** Keeping each step's loss (and so its autograd graph) alive must show up in the measurement. */
  @Test
  void theMeasurementSeesALeak() {
    Trainer t = new Trainer();
    List<Tensor> leaked = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      t.step(null);
    }
    NativeMemory.settle();
    long baselineResident = NativeMemory.residentBytes();
    long baselineHeap = NativeMemory.mallocInUseBytes();
    for (int i = 0; i < 3_000; i++) {
      t.step(leaked);
    }
    long resident = NativeMemory.residentBytes() - baselineResident;
    assertTrue(resident > ALLOWED_RESIDENT_GROWTH, "a leak of " + leaked.size() + " graphs grew memory by only "
        + resident / 1048576 + " MiB");
    if (baselineHeap >= 0) {
      assertTrue(NativeMemory.mallocInUseBytes() - baselineHeap > ALLOWED_RESIDENT_GROWTH);
    }
  }

  /** A tiny conv net with SGD + momentum on a fixed batch. */
  private static final class Trainer {
    final ModuleTest.Tiny model;
    final SGD sgd;
    final Tensor x;
    final Tensor y;

    Trainer() {
      torch.manual_seed(1);
      model = new ModuleTest.Tiny();
      SGDOptions options = new SGDOptions(0.01);
      options.momentum().put(0.9);
      sgd = new SGD(new TensorVector(model.parameters().toArray(new Tensor[0])), options);
      x = Tensors.fromFloats(new float[8 * 3 * 6 * 6], 8, 3, 6, 6).normal_();
      y = Tensors.fromLongs(new long[] {0, 1, 0, 1, 0, 1, 0, 1});
    }

    /** One step; with {@code leak} non-null, the loss escapes the scope into that list. */
    double step(List<Tensor> leak) {
      try (Scope s = Scope.open()) {
        Tensor loss = F.crossEntropy(model.forward(x), y);
        sgd.zero_grad();
        if (leak == null) {
          loss.backward();
        } else {
          // retain_graph keeps the saved activations alive with the leaked loss
          loss.backward(new Tensor(), new org.bytedeco.pytorch.BoolOptional(true), false,
              new org.bytedeco.pytorch.TensorArrayRefOptional());
        }
        sgd.step();
        if (leak != null) {
          leak.add(s.keep(loss));
        }
        return loss.item_double();
      }
    }
  }
}
