package io.nets4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.tensor.Tensors;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A run stopped after N steps and resumed from its checkpoint continues with exactly the losses
 * (and ends with exactly the weights) of the same run done in one go.
 */
class ResumeTest {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  private static final PatternDataset TRAIN = new PatternDataset(320, 16, 5);
  private static final PatternDataset VAL = new PatternDataset(64, 16, 6);

  @TempDir
  Path tmp;

  private static TrainConfig config(String optimizer) {
    OptimizerSpec o = optimizer.equals("sgd") ? OptimizerSpec.sgd(0.05).withNesterov(true).withWeightDecay(5e-4)
        : OptimizerSpec.adamw(0.005);
    return TrainConfig.builder(3).optimizer(o).schedule(ScheduleSpec.cosine().withWarmup(0.5, 0.1))
        .labelSmoothing(0.1).clipGradNorm(2.0).seed(7).logEverySteps(5).build();
  }

  private static TinyNet model(long seed) {
    torch.manual_seed(seed);
    return new TinyNet(4);
  }

  private Trainer trainer(TinyNet net, String optimizer, Path dir, List<Double> losses) {
    return new Trainer(net, "tiny", config(optimizer)).runDirectory(dir).progress(Trainer.ProgressMode.NONE)
        .output(QUIET).onStep(s -> losses.add(s.loss())).keepSamples(4);
  }

  private static BatchSource train(boolean mix) {
    LoaderBatches b = LoaderBatches.training(TRAIN, 32, 11);
    return mix ? b.withMixing(0.4, 1.0, 4, 11) : b;
  }

  private static BatchSource val() {
    return LoaderBatches.evaluation(VAL, 32);
  }

  @ParameterizedTest(name = "{0}, stop after step {1}, mixup/cutmix {2}")
  @CsvSource({"sgd, 13, false", "adamw, 13, true", "sgd, 20, false"})
  void resumedRunEqualsUninterruptedRun(String optimizer, int stopAfter, boolean mix) {
    List<Double> whole = new ArrayList<>();
    TinyNet reference = model(1);
    TrainResult full = trainer(reference, optimizer, tmp.resolve("whole"), whole).fit(train(mix), val());
    assertEquals(30, whole.size());

    List<Double> before = new ArrayList<>();
    TinyNet first = model(1);
    Path run = tmp.resolve("interrupted");
    Trainer t = trainer(first, optimizer, run, before);
    t.onStep(s -> {
      if (s.step() + 1 == stopAfter) {
        t.requestStop();
      }
    });
    TrainResult stopped = t.fit(train(mix), val());
    assertTrue(stopped.stopped());
    assertEquals(stopAfter, stopped.steps());
    assertEquals(whole.subList(0, stopAfter), before);

    List<Double> after = new ArrayList<>();
    TinyNet resumed = model(99);
    TrainResult rest = trainer(resumed, optimizer, run, after).resumeFrom(run).fit(train(mix), val());
    assertFalse(rest.stopped());
    assertEquals(whole.subList(stopAfter, 30), after, "losses after resuming");
    assertEquals(full.history().size(), rest.history().size());
    for (int i = 0; i < full.history().size(); i++) {
      EpochRecord a = full.history().get(i);
      EpochRecord b = rest.history().get(i);
      assertEquals(a.trainLoss(), b.trainLoss(), 1e-12, "train loss of epoch " + (i + 1));
      assertEquals(a.trainAccuracy(), b.trainAccuracy(), 0, "train accuracy of epoch " + (i + 1));
      assertEquals(a.valLoss(), b.valLoss(), 0, "validation loss of epoch " + (i + 1));
    }
    Map<String, Tensor> x = reference.stateDict();
    Map<String, Tensor> y = resumed.stateDict();
    for (String k : x.keySet()) {
      assertEquals(0, Tensors.maxAbsDiff(x.get(k), y.get(k)), k);
    }
    // the resumed run's logs read like the uninterrupted run's
    assertEquals(lines(tmp.resolve("whole").resolve(RunLog.EPOCHS)).size(), lines(run.resolve(RunLog.EPOCHS)).size());
    assertEquals(stepColumn(tmp.resolve("whole")), stepColumn(run));
  }

  private static List<String> lines(Path p) {
    try {
      return Files.readAllLines(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static List<Long> stepColumn(Path run) {
    List<Long> steps = new ArrayList<>();
    for (String l : lines(run.resolve(RunLog.STEPS))) {
      steps.add(Long.parseLong(l.replaceAll(".*\"step\":(\\d+).*", "$1")));
    }
    return steps;
  }
}
