package io.nets4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.Dataset;
import io.nets4j.data.SegmentationSample;
import io.nets4j.data.ShapesDataset;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Module;
import io.nets4j.segmentation.SegmentationModel;
import io.nets4j.segmentation.SegmentationModels;
import io.nets4j.segmentation.SegmentationOptions;
import io.nets4j.segmentation.SegmentationTraining;
import io.nets4j.sequence.tasks.CharLanguageModel;
import io.nets4j.sequence.tasks.LanguageModelTraining;
import io.nets4j.tensor.Autocast;
import io.nets4j.tensor.CpuCapabilities;
import io.nets4j.tensor.Device;
import io.nets4j.tensor.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingEngineTest {
  @TempDir
  Path tmp;

  private static final int SEG_STEPS = 6;

  private static SegmentationModel tinyFcn() {
    torch.manual_seed(0);
    return SegmentationModels.create("fcn8s", SegmentationOptions.defaults()
        .withNumClasses(ShapesDataset.SCENE_CLASSES.size()).withWidth(1.0 / 16));
  }

  private static SegmentationTraining.Settings segSettings() {
    return new SegmentationTraining.Settings(SEG_STEPS, 2, 1, OptimizerSpec.adamw(3e-3).withWeightDecay(1e-4),
        LrSchedule.cosine(SEG_STEPS, 0), 7);
  }

  /** The weights of two modules are bit for bit the same. */
  private static void assertSameWeights(Module a, Module b) {
    Map<String, Tensor> sa = a.stateDict();
    Map<String, Tensor> sb = b.stateDict();
    assertEquals(sa.keySet(), sb.keySet());
    for (String k : sa.keySet()) {
      assertTrue(sa.get(k).equal(sb.get(k)), "tensor " + k + " differs");
    }
  }

  /**
   * Segmentation (FCN-8s with dropout, AdamW, cosine schedule): N steps straight and N/2 steps,
   * a stop, and a resume for the rest give the same losses and weights, bit for bit.
   */
  @Test
  void segmentationResumesExactly() {
    Dataset<SegmentationSample> data = ShapesDataset.scenes(16, 32, 3).segmentation();
    SegmentationModel straight = tinyFcn();
    TrainingEngine.Result full = SegmentationTraining.train(straight, data, segSettings(), (s, l) -> true,
        TrainingRun.builder().runDirectory(tmp.resolve("straight")).build());
    assertEquals(SEG_STEPS, full.losses().length);

    Path run = tmp.resolve("stopped");
    SegmentationModel first = tinyFcn();
    TrainingEngine.Result half = SegmentationTraining.train(first, data, segSettings(), (s, l) -> s < SEG_STEPS / 2,
        TrainingRun.builder().runDirectory(run).build());
    assertTrue(half.stopped());
    assertEquals(SEG_STEPS / 2, half.steps());
    assertTrue(Files.isRegularFile(run.resolve("checkpoints").resolve(Checkpoints.LATEST)));

    torch.manual_seed(123); // other initial weights and generator state: the checkpoint must restore both
    SegmentationModel resumed = SegmentationModels.create("fcn8s", SegmentationOptions.defaults()
        .withNumClasses(ShapesDataset.SCENE_CLASSES.size()).withWidth(1.0 / 16));
    TrainingEngine.Result rest = SegmentationTraining.train(resumed, data, segSettings(), (s, l) -> true,
        TrainingRun.builder().runDirectory(run).resumeFrom(run).build());
    assertFalse(rest.stopped());
    assertArrayEquals(full.losses(), rest.losses());
    assertSameWeights(straight, resumed);
  }

  /** A recurrent language model (Adam, random windows) resumes exactly too. */
  @Test
  void languageModelResumesExactly() {
    long[] text = new long[400];
    SplittableRandom r = new SplittableRandom(5);
    for (int i = 0; i < text.length; i++) {
      text[i] = 3 + (i % 7 == 0 ? r.nextInt(5) : i % 5);
    }
    LanguageModelTraining.Settings settings = new LanguageModelTraining.Settings(8, 4, 12, 3e-3, 2);
    torch.manual_seed(0);
    CharLanguageModel straight = CharLanguageModel.Kind.LSTM.create(8, 12, 16);
    double[] full = LanguageModelTraining.train(straight, text, settings, s -> { }, TrainingRun.quiet()).losses();

    Path run = tmp.resolve("lm");
    torch.manual_seed(0);
    CharLanguageModel first = CharLanguageModel.Kind.LSTM.create(8, 12, 16);
    List<Integer> seen = new ArrayList<>();
    LanguageModelTraining.train(first, text, new LanguageModelTraining.Settings(8, 4, 12, 3e-3, 2), seen::add,
        TrainingRun.builder().runDirectory(run).checkpointEvery(4).build());
    torch.manual_seed(99);
    CharLanguageModel resumed = CharLanguageModel.Kind.LSTM.create(8, 12, 16);
    // resume from the mid-run checkpoint (step 4), not the final one
    Path mid = run.resolve("checkpoints").resolve("step-00000004");
    assertTrue(Files.isDirectory(mid), "checkpoint of step 4");
    double[] rest = LanguageModelTraining.train(resumed, text, settings, s -> { },
        TrainingRun.builder().runDirectory(tmp.resolve("lm2")).resumeFrom(mid).build()).losses();
    assertArrayEquals(full, rest);
    assertSameWeights(straight, resumed);
    assertEquals(8, seen.size());
  }

  /** One parameter vector and the loss 1000 * sum(w x): a gradient far above any clipping bound. */
  private record Steep(Linear model, float[] input) implements TrainingTask<Integer> {
    @Override
    public String name() {
      return "steep";
    }

    @Override
    public Integer batch(long step, long stepSeed) {
      return (int) step;
    }

    @Override
    public Loss loss(Integer step, Device device) {
      Tensor y = model.forward(device.put(Tensors.fromFloats(input, 1, input.length)));
      return Loss.of(y.sum().mul(new Scalar(1000.0)));
    }
  }

  private static double updateNorm(Double clip) {
    torch.manual_seed(0);
    Linear lin = new Linear(4, 1, false);
    double[] before = Tensors.toDoubleArray(lin.namedParameters().get("weight").to(torch.ScalarType.Double));
    TrainingEngine.Recipe recipe = new TrainingEngine.Recipe(1, OptimizerSpec.sgd(0.1), LrSchedule.constant(), 0,
        TrainingEngine.Numerics.DEFAULT);
    double[] norm = new double[1];
    new TrainingEngine(new Steep(lin, new float[] {1, 2, 3, 4}), recipe, TrainingRun.builder().clipGradNorm(clip)
        .build()).run(s -> {
          norm[0] = s.gradNorm();
          return true;
        });
    double[] after = Tensors.toDoubleArray(lin.namedParameters().get("weight").to(torch.ScalarType.Double));
    double sq = 0;
    for (int i = 0; i < after.length; i++) {
      sq += (after[i] - before[i]) * (after[i] - before[i]);
    }
    if (clip != null) {
      assertEquals(1000 * Math.sqrt(30), norm[0], 1e-2, "the gradient norm before clipping");
    }
    return Math.sqrt(sq);
  }

  /** --clip-grad bounds the update: lr x the bound instead of lr x the gradient norm (1000 sqrt(30)). */
  @Test
  void clipGradIsApplied() {
    assertEquals(0.1 * 1000 * Math.sqrt(30), updateNorm(null), 1e-2);
    assertEquals(0.1 * 1.0, updateNorm(1.0), 1e-5);
  }

  /** A task that records whether its forward pass ran under bfloat16 autocast. */
  private record Probe(Linear model, boolean[] autocast) implements TrainingTask<Integer> {
    @Override
    public String name() {
      return "probe";
    }

    @Override
    public Integer batch(long step, long stepSeed) {
      return (int) step;
    }

    @Override
    public Loss loss(Integer step, Device device) {
      autocast[0] = Autocast.bfloat16Active();
      Tensor y = model.forward(Tensors.fromFloats(new float[] {1, 2, 3, 4}, 1, 4));
      return Loss.of(y.pow(new Scalar(2.0)).sum());
    }
  }

  private static void runProbe(boolean bf16, boolean[] flag) {
    new TrainingEngine(new Probe(new Linear(4, 2), flag), new TrainingEngine.Recipe(2, OptimizerSpec.sgd(0.01),
        LrSchedule.constant(), 0, TrainingEngine.Numerics.DEFAULT), TrainingRun.builder().bf16(bf16).build())
        .run(s -> true);
  }

  /** --bf16 runs the forward pass under autocast where the CPU allows it, and is refused in one sentence elsewhere. */
  @Test
  void bf16RunsOrIsRefusedPerCpuCapabilities() {
    boolean[] flag = new boolean[1];
    runProbe(false, flag);
    assertFalse(flag[0]);
    CpuCapabilities.Support support = CpuCapabilities.current().bf16WeightPacking();
    if (support.supported()) {
      runProbe(true, flag);
      assertTrue(flag[0], "the forward pass ran under bfloat16 autocast");
    } else {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> runProbe(true, flag));
      assertTrue(e.getMessage().contains(support.reason()), e.getMessage());
    }
    try (CpuCapabilities.Restorer r = CpuCapabilities.override(CpuCapabilities.assuming(
        EnumSet.of(CpuCapabilities.Feature.AVX2)))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> runProbe(true, flag));
      assertTrue(e.getMessage().startsWith("--bf16 is refused on this CPU: "), e.getMessage());
      assertTrue(e.getMessage().contains("AVX-512 BW"), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), "one sentence: " + e.getMessage());
    }
  }

  /** A loss that is NaN at step 2 (0-based 1). */
  private record NanAtSecond(Linear model) implements TrainingTask<Integer> {
    @Override
    public String name() {
      return "nan";
    }

    @Override
    public Integer batch(long step, long stepSeed) {
      return (int) step;
    }

    @Override
    public Loss loss(Integer step, Device device) {
      Tensor y = model.forward(Tensors.fromFloats(new float[] {1, 2, 3, 4}, 1, 4)).sum();
      return Loss.of(step == 1 ? y.mul(new Scalar(Double.NaN)) : y);
    }
  }

  /** The NaN policy: fail names the step before the weights change; skip leaves them and goes on. */
  @Test
  void nanPolicy() {
    TrainingEngine.Recipe recipe = new TrainingEngine.Recipe(3, OptimizerSpec.sgd(0.01), LrSchedule.constant(), 0,
        TrainingEngine.Numerics.DEFAULT);
    Linear lin = new Linear(4, 1);
    NonFiniteLossException e = assertThrows(NonFiniteLossException.class,
        () -> new TrainingEngine(new NanAtSecond(lin), recipe, TrainingRun.quiet()).run(s -> true));
    assertTrue(e.getMessage().contains("at step 2 of 3"), e.getMessage());
    List<Boolean> skipped = new ArrayList<>();
    TrainingEngine.Result r = new TrainingEngine(new NanAtSecond(new Linear(4, 1)), recipe, TrainingRun.builder()
        .onNonFinite(TrainConfig.NonFinitePolicy.SKIP).build()).run(s -> skipped.add(s.skipped()));
    assertEquals(List.of(false, true, false), skipped);
    assertTrue(Double.isNaN(r.losses()[1]));
  }

  /** A run directory gets steps.jsonl lines, checkpoints, and refuses a resume with another recipe. */
  @Test
  void logsCheckpointsAndRefusesOtherSettings() throws IOException {
    Path run = tmp.resolve("run");
    TrainingEngine.Recipe recipe = new TrainingEngine.Recipe(4, OptimizerSpec.sgd(0.01), LrSchedule.constant(), 0,
        TrainingEngine.Numerics.DEFAULT);
    new TrainingEngine(new NanAtSecond(new Linear(4, 1)), recipe, TrainingRun.builder().runDirectory(run).logEvery(1)
        .onNonFinite(TrainConfig.NonFinitePolicy.SKIP).build()).run(s -> s.step() < 2);
    assertEquals(2, Files.readAllLines(run.resolve("steps.jsonl")).size());
    TrainingEngine.Recipe other = new TrainingEngine.Recipe(4, OptimizerSpec.sgd(0.02), LrSchedule.constant(), 0,
        TrainingEngine.Numerics.DEFAULT);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TrainingEngine(
        new NanAtSecond(new Linear(4, 1)), other, TrainingRun.builder().runDirectory(run).resumeFrom(run)
            .onNonFinite(TrainConfig.NonFinitePolicy.SKIP).build()).run(s -> true));
    assertTrue(e.getMessage().contains("optimizer"), e.getMessage());
  }

  /** A stop request (what Ctrl-C's shutdown hook sends) ends the run after the step, with a checkpoint of it. */
  @Test
  void stopRequestSavesACheckpoint() {
    Path run = tmp.resolve("stop");
    TrainingEngine.Recipe recipe = new TrainingEngine.Recipe(10, OptimizerSpec.sgd(0.01), LrSchedule.constant(), 0,
        TrainingEngine.Numerics.DEFAULT);
    TrainingEngine engine = new TrainingEngine(new Steep(new Linear(4, 1), new float[] {1, 0, 0, 0}), recipe,
        TrainingRun.builder().runDirectory(run).shutdownHook(true).build());
    TrainingEngine.Result r = engine.run(s -> {
      if (s.step() == 3) {
        engine.requestStop();
      }
      return true;
    });
    assertTrue(r.stopped());
    assertEquals(3, r.steps());
    assertEquals(run.resolve("checkpoints").resolve("step-00000003").toAbsolutePath(),
        Checkpoints.resolve(run).toAbsolutePath());
  }
}
