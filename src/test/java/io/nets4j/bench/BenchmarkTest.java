package io.nets4j.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.models.Models;
import io.nets4j.nn.Layer;
import io.nets4j.tensor.CpuCapabilities;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import io.nets4j.train.DataSpec;
import io.nets4j.train.OptimizerSpec;
import io.nets4j.train.TorchOptimizer;
import java.util.EnumSet;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Correctness of the benchmark tool only; the numbers are not checked (speed is for quiet machines). */
class BenchmarkTest {
  private static final BenchOptions SMALL = BenchOptions.defaults("mobilenet_v2").withInputSize(32).withBatch(2)
      .withIterations(1, 10);

  static void assertOrdered(Stats s) {
    assertTrue(s.min() > 0 && s.min() <= s.p10() && s.p10() <= s.median() && s.median() <= s.p90()
        && s.p90() <= s.max(), s.toString());
  }

  @Test
  void inferenceReportsLatencyThroughputAndMemory() {
    BenchResult r = Benchmark.run(SMALL);
    assertEquals(10, r.latencyMs().n());
    assertOrdered(r.latencyMs());
    assertOrdered(r.throughput());
    assertEquals(Models.parameterCount("mobilenet_v2"), r.parameters());
    assertEquals("3x32x32", r.input());
    assertTrue(r.peakResidentBytes() > 0);
    assertTrue(r.threadEnvironment());
    assertTrue(r.text().contains("latency  (batch 1)"), r.text());
    BenchResult back = BenchResult.parse(r.json());
    assertEquals(r.latencyMs(), back.latencyMs());
    assertEquals(r.throughput(), back.throughput());
    assertEquals(r.parameters(), back.parameters());
  }

  @Test
  void optimizedInferenceInBothDtypes() {
    BenchResult r = Benchmark.run(SMALL.withOptimize(true));
    assertOrdered(r.latencyMs());
    assertTrue(r.text().contains("optimized"), r.text());
    assertOrdered(Benchmark.run(SMALL.withOptimize(true).withDtype(DType.BFLOAT16)).throughput());
    assertOrdered(Benchmark.run(BenchOptions.defaults(Workload.LSTM_LM).withBatch(1).withOptimize(true)
        .withIterations(0, 10)).latencyMs());
  }

  @Test
  void overheadProbeCountsTheLeafCallsAndNativeObjectsOfAForward() {
    OverheadProbe p = Benchmark.overhead(BenchOptions.defaults("resnet18").withInputSize(32).withBatch(1)
        .withIterations(1, 10));
    // stem (conv, bn, relu, maxpool) + 8 basic blocks of 6 + 3 downsamples of 2 + avgpool and fc
    assertEquals(4 + 8 * 6 + 3 * 2 + 2, p.leafCalls());
    assertTrue(p.nativeObjects() >= p.leafCalls(), p.toString());
    assertTrue(p.jniCallNs() > 0 && p.tinyOpNs() > 0, p.toString());
    assertOrdered(p.forwardMs());
    assertOrdered(p.leafReplayMs());
    // paired differences may be negative (replay and forward are equally fast up to noise)
    assertTrue(p.glueMs().min() <= p.glueMs().median() && p.glueMs().median() <= p.glueMs().max(), p.glueMs().toString());
    assertEquals(java.util.Set.of("Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "AdaptiveAvgPool2d", "Linear"),
        p.byLayerType().keySet());
    assertTrue(p.perCallUpperBoundMs() >= p.jniLowerBoundMs());
    assertTrue(p.text().contains("native objects created per forward " + p.nativeObjects()), p.text());
  }

  /**
   * The optimised model's probe replays only the layers that work: folded batch norms and the
   * activations computed inside the packed convolution before them return their input.
   */
  @Test
  void overheadProbeOfTheOptimisedModelSkipsFoldedAndFusedLayers() {
    OverheadProbe p = Benchmark.overhead(BenchOptions.defaults("resnet18").withInputSize(32).withBatch(1)
        .withIterations(1, 10).withOptimize(true));
    // stem conv (+relu) and maxpool, per block conv1 (+relu), conv2 and the relu after the residual add,
    // 3 downsample convolutions, avgpool and fc
    assertEquals(2 + 8 * 3 + 3 + 2, p.leafCalls(), p.text());
    assertEquals(java.util.Set.of("Conv2d", "ReLU", "MaxPool2d", "AdaptiveAvgPool2d", "Linear"), p.byLayerType().keySet());
  }

  @Test
  void trainingStepsOfTheLanguageModelInBfloat16() {
    BenchResult r = Benchmark.run(BenchOptions.defaults(Workload.LSTM_LM).withMode(Mode.TRAIN).withBatch(1)
        .withDtype(DType.BFLOAT16).withIterations(0, 10));
    assertOrdered(r.latencyMs());
    assertEquals("seq", r.unit());
    assertEquals(1000.0 / r.latencyMs().median(), r.throughput().median(), 1e-9);
    assertEquals(CpuCapabilities.current().bf16Recurrent().supported(), r.fallbacks().isEmpty(), r.fallbacks().toString());
  }

  /** The answers of an AVX2-only CPU, forced: both bfloat16 benchmarks run, and say what they fell back to. */
  @Test
  void withoutBfloat16KernelsTheBenchmarksFallBackAndSaySo() {
    try (CpuCapabilities.Restorer o = CpuCapabilities.override(
        CpuCapabilities.assuming(EnumSet.of(CpuCapabilities.Feature.AVX2)))) {
      BenchResult lm = Benchmark.run(BenchOptions.defaults(Workload.LSTM_LM).withMode(Mode.TRAIN).withBatch(1)
          .withDtype(DType.BFLOAT16).withIterations(0, 10));
      assertOrdered(lm.latencyMs());
      assertEquals(1, lm.fallbacks().size(), lm.fallbacks().toString());
      assertTrue(lm.fallbacks().get(0).startsWith("recurrent layers run their fused kernels in float32: oneDNN's"),
          lm.fallbacks().get(0));
      BenchResult conv = Benchmark.run(SMALL.withOptimize(true).withDtype(DType.BFLOAT16));
      assertOrdered(conv.latencyMs());
      assertTrue(conv.text().contains("fallback: convolution weights are not packed") && conv.text().contains(
          "bf16 weight packing no"), conv.text());
      assertEquals(conv.fallbacks(), BenchResult.parse(conv.json()).fallbacks());
    }
  }

  @Test
  void aTrainingStepUpdatesEveryParameterAndLowersTheLossOnItsBatch() {
    for (String optimizer : List.of("adamw", "sgd")) {
      torch.manual_seed(0);
      Workload w = Workload.of("resnet18", 32);
      Layer model = w.model();
      model.train();
      Tensor before = model.namedParameters().get("fc.weight").clone();
      OptimizerSpec spec = BenchOptions.defaults("resnet18").withOptimizer(optimizer).optimizerSpec();
      // the bench's SGD rate (0.1, an ImageNet batch-256 setting) can overshoot on a batch of 4 with
      // momentum; descent on the batch is checked at a rate inside the descent regime
      TorchOptimizer opt = (optimizer.equals("sgd") ? spec.withLr(0.01) : spec).build(model);
      assertEquals(optimizer.equals("adamw"), opt.fused(), optimizer);
      Tensor x = w.input(4, DType.FLOAT32);
      Tensor y = w.target(4);
      double first = Benchmark.trainStep(w, opt, x, y, false).item_double();
      assertTrue(Tensors.maxAbsDiff(before, model.namedParameters().get("fc.weight")) > 0, optimizer);
      double later = first;
      for (int i = 0; i < 4; i++) {
        later = Benchmark.trainStep(w, opt, x, y, false).item_double();
      }
      assertTrue(later < first, optimizer + ": " + first + " -> " + later);
    }
  }

  @Test
  void bfloat16TrainingAutocastsAndKeepsFloat32Weights() {
    Workload w = Workload.of("resnet18", 32);
    Layer model = w.model();
    model.train();
    TorchOptimizer opt = OptimizerSpec.adamw(1e-3).build(model);
    Tensor loss = Benchmark.trainStep(w, opt, w.input(2, DType.FLOAT32), w.target(2), true);
    assertEquals(DType.FLOAT32, Tensors.dtype(loss));
    assertEquals(DType.FLOAT32, Tensors.dtype(model.namedParameters().get("conv1.weight")));
    assertEquals(DType.FLOAT32, Tensors.dtype(model.namedParameters().get("conv1.weight").grad()));
  }

  @Test
  void channelsLastTrainingBenchmarkReportsItsSettings() {
    BenchOptions o = SMALL.withMode(Mode.TRAIN).withChannelsLast(true).withOptimizer("adamw-unfused");
    BenchResult r = Benchmark.run(o);
    assertOrdered(r.latencyMs());
    assertTrue(r.text().contains("channels-last") && r.text().contains("optimizer AdamW("), r.text());
    BenchResult back = BenchResult.parse(r.json());
    assertEquals("adamw-unfused", back.options().optimizer());
    assertTrue(back.options().channelsLast());
    assertTrue(o.toArguments().containsAll(List.of("--optimizer", "adamw-unfused", "--channels-last")),
        o.toArguments().toString());
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> SMALL.withOptimizer("lamb"));
    assertTrue(e.getMessage().contains("--optimizer 'lamb'"), e.getMessage());
  }

  @Test
  void loaderComparisonTimesBothWaysOfFeedingTheSteps() {
    LoaderComparison c = LoaderComparison.run(BenchOptions.defaults("resnet18").withBatch(8).withIterations(1, 10)
        .withInputSize(16), DataSpec.parse("patterns"), 2);
    assertOrdered(c.loaderMs());
    assertOrdered(c.preloadedMs());
    assertOrdered(c.loadMs());
    assertEquals("3x16x16", c.input());
    assertEquals(c.loaderMs().median() / c.preloadedMs().median(), c.ratio(), 1e-12);
    assertTrue(c.text().contains("steps fed by the loader") && c.text().contains("2 loader workers"), c.text());
  }

  @Test
  void theLanguageModelGivesLogitsPerToken() {
    Workload w = Workload.of(Workload.LSTM_LM, 0);
    Tensor logits = w.model().forward(w.input(2, DType.FLOAT32));
    assertArrayEquals(new long[] {2 * Workload.LM_STEPS, Workload.LM_VOCAB}, Tensors.shape(logits));
  }

  @Test
  void invalidOptionsAreRejectedWithTheirName() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> SMALL.withIterations(1, 5));
    assertTrue(e.getMessage().contains("--iters"), e.getMessage());
    e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> SMALL.withMode(Mode.TRAIN).withOptimize(true));
    assertTrue(e.getMessage().contains("--optimize"), e.getMessage());
  }

  @Test
  void threadEnvironmentComparisonRunsBothChildJvms() {
    ThreadEnvironmentComparison c = ThreadEnvironmentComparison.run(SMALL);
    assertTrue(c.withEnvironment().threadEnvironment());
    assertFalse(c.withoutEnvironment().threadEnvironment());
    assertOrdered(c.withEnvironment().latencyMs());
    assertOrdered(c.withoutEnvironment().latencyMs());
    assertTrue(c.text().contains("GOMP_SPINCOUNT") && c.text().contains("ratio"), c.text());
  }

  @Test
  void suiteSkipsUnregisteredModelsAndTabulatesTheOthers() {
    BenchSuite.Report r = BenchSuite.run(List.of("not_registered_net", "mobilenet_v2"),
        List.of(new BenchSuite.TrainingCase("mobilenet_v2", 2, true), new BenchSuite.TrainingCase("not_registered_net", 2,
            false)), SMALL, "nets4j bench --suite test");
    assertEquals(1, r.inference().size());
    assertEquals(1, r.training().size());
    assertEquals(Mode.TRAIN, r.training().get(0).options().mode());
    String md = r.markdown();
    assertEquals(1, md.split("not_registered_net: skipped, not registered yet", -1).length - 1, md);
    assertTrue(md.contains("## Inference") && md.contains("| mobilenet_v2 | 3x32x32 | 3,504,872 |"), md);
    assertTrue(md.contains("## Training") && md.contains("| mobilenet_v2 | 3x32x32 | 3,504,872 | 2 | channels-last |"),
        md);
    assertTrue(md.contains("fused AdamW"), md);
    assertTrue(md.contains("`nets4j bench --suite test`") && md.contains("CPU: "), md);
  }
}
