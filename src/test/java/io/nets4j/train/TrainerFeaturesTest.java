package io.nets4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.models.ImageClassifier;
import io.nets4j.nn.F;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stopping, non-finite losses, early stopping, auxiliary losses and soft labels. */
class TrainerFeaturesTest {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  private static final PatternDataset DATA = new PatternDataset(128, 16, 1);

  @TempDir
  Path tmp;

  private static TinyNet model() {
    torch.manual_seed(2);
    return new TinyNet(4);
  }

  private static Trainer trainer(ImageClassifier net, TrainConfig config) {
    return new Trainer(net, "tiny", config).progress(Trainer.ProgressMode.NONE).output(QUIET);
  }

  private static BatchSource train() {
    return LoaderBatches.training(DATA, 16, 1);
  }

  /**
   * The shutdown hook's path: another thread asks to stop and waits; it returns only once the
   * current step has finished and the checkpoint is written, and the run reports that it stopped.
   */
  @Test
  void stopAndWaitReturnsAfterTheCheckpointIsComplete() throws Exception {
    Path run = tmp.resolve("run");
    Trainer t = trainer(model(), TrainConfig.defaults(50)).runDirectory(run);
    CountDownLatch started = new CountDownLatch(3);
    AtomicBoolean stepRunningWhileWaiting = new AtomicBoolean();
    AtomicBoolean waiterReturned = new AtomicBoolean();
    t.onStep(s -> {
      started.countDown();
      if (waiterReturned.get()) {
        stepRunningWhileWaiting.set(true);
      }
    });
    AtomicBoolean finishedInTime = new AtomicBoolean();
    AtomicBoolean checkpointCompleteOnReturn = new AtomicBoolean();
    Thread hook = new Thread(() -> {
      try {
        started.await();
      } catch (InterruptedException e) {
        return;
      }
      finishedInTime.set(t.stopAndWait(Duration.ofMinutes(2)));
      waiterReturned.set(true);
      try {
        Path c = Checkpoints.resolve(run);
        checkpointCompleteOnReturn.set(Files.exists(c.resolve(Checkpoints.MODEL_FILE))
            && Files.exists(c.resolve(Checkpoints.TRAINING_FILE)) && Files.exists(c.resolve(Checkpoints.INFO_FILE)));
      } catch (IllegalArgumentException e) {
        checkpointCompleteOnReturn.set(false);
      }
    });
    hook.start();
    TrainResult r = t.fit(train(), null);
    hook.join(TimeUnit.MINUTES.toMillis(2));
    assertTrue(r.stopped());
    assertTrue(r.steps() < 50 * 8, "stopped early, after " + r.steps() + " steps");
    assertTrue(finishedInTime.get());
    assertTrue(checkpointCompleteOnReturn.get(), "the checkpoint is complete when the hook returns");
    assertFalse(stepRunningWhileWaiting.get(), "no step runs after the hook returned");
    assertEquals(r.steps(), Checkpoints.info(Checkpoints.resolve(run)).step());
    assertTrue(t.stopAndWait(Duration.ofSeconds(1)), "with no run in progress it returns at once");
  }

  /** A loss that turns NaN on the given call. */
  private static TrainingLoss nanAt(int call) {
    AtomicInteger calls = new AtomicInteger();
    TrainingLoss base = TrainingLoss.crossEntropy(0);
    return (m, x, y) -> {
      TrainingLoss.Output o = base.compute(m, x, y);
      return calls.getAndIncrement() == call ? new TrainingLoss.Output(o.loss().mul(new Scalar(Double.NaN)), o.logits())
          : o;
    };
  }

  @Test
  void aNonFiniteLossFailsNamingTheStepAndLeavesTheWeightsAlone() {
    TinyNet net = model();
    List<Tensor> before = new ArrayList<>();
    AtomicInteger steps = new AtomicInteger();
    Trainer t = trainer(net, TrainConfig.defaults(1)).loss(nanAt(5)).onStep(s -> {
      if (steps.incrementAndGet() == 5) {
        net.parameters().forEach(p -> before.add(Scope.detachFromScopes(p.detach().clone())));
      }
    });
    NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> t.fit(train(), null));
    assertEquals(5, e.step());
    assertEquals(0, e.epoch());
    assertEquals(5, e.batch());
    assertTrue(e.getMessage().contains("the loss is NaN at step 6 (epoch 1, batch 6 of 8"), e.getMessage());
    List<Tensor> after = net.parameters();
    for (int i = 0; i < after.size(); i++) {
      assertEquals(0, Tensors.maxAbsDiff(before.get(i), after.get(i)));
    }
  }

  @Test
  void skippingNonFiniteStepsIsReported() {
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    TrainResult r = trainer(model(), TrainConfig.builder(1).onNonFinite(TrainConfig.NonFinitePolicy.SKIP).build())
        .loss(nanAt(2)).output(new PrintStream(text, true, StandardCharsets.UTF_8)).fit(train(), null);
    assertEquals(8, r.steps());
    assertEquals(1, r.history().get(0).skippedSteps());
    assertTrue(Double.isFinite(r.history().get(0).trainLoss()));
    String out = text.toString(StandardCharsets.UTF_8);
    assertTrue(out.contains("warning: the loss is NaN at step 3 (epoch 1, batch 3 of 8"), out);
    assertTrue(out.contains("skipped 1 steps"), out);
  }

  @Test
  void earlyStoppingAfterPatienceEpochsWithoutImprovement() {
    // a frozen backbone (its batch norms keep their statistics) and a learning rate too small to
    // change the predictions: validation accuracy never improves
    TrainConfig c = TrainConfig.builder(10).optimizer(OptimizerSpec.sgd(1e-12))
        .earlyStopping(2, TrainConfig.Monitor.VAL_TOP1).build();
    TinyNet net = model();
    FineTuning.freezeBackbone(net);
    TrainResult r = trainer(net, c).fit(train(), LoaderBatches.evaluation(DATA, 64));
    assertTrue(r.earlyStopped());
    assertEquals(3, r.history().size(), "best at epoch 1, then two epochs without improvement");
    assertThrows(IllegalArgumentException.class, () -> trainer(model(), c).fit(train(), null),
        "early stopping without validation data");
  }

  @Test
  void auxiliaryHeadsAddTheirWeightedLoss() {
    TinyNet net = model();
    net.eval(); // no dropout, so that both computations see the same logits
    Tensor x = Tensors.fromFloats(new float[2 * 3 * 16 * 16], 2, 3, 16, 16).add(new Scalar(0.5));
    Tensor y = Tensors.fromLongs(new long[] {1, 3});
    Tensor aux = Tensors.fromFloats(new float[] {2, 0, 0, 0, 0, 0, 0, 1}, 2, 4);
    TrainingLoss loss = TrainingLoss.withAuxiliaryHeads((m, images) -> List.of(m.forward(images), aux), 0.3, 0);
    TrainingLoss.Output o = loss.compute(net, x, y);
    double expected = F.crossEntropy(net.forward(x), y).item_double() + 0.3 * F.crossEntropy(aux, y).item_double();
    assertEquals(expected, o.loss().item_double(), 1e-6);
    assertEquals(0, Tensors.maxAbsDiff(o.logits(), net.forward(x)));
  }

  @Test
  void mixedBatchesTrainOnSoftLabelsAndAreReproducible() {
    // mixup and CutMix turn the labels into class probabilities
    LoaderBatches mixed = LoaderBatches.training(DATA, 16, 1).withMixing(0.4, 1.0, 4, 9);
    try (Scope s = Scope.open(); BatchStream a = mixed.open(2, 3); BatchStream b = mixed.open(2, 3)) {
      LabeledBatch x = a.next();
      LabeledBatch y = b.next();
      assertTrue(x.softLabels());
      assertEquals(0, Tensors.maxAbsDiff(x.images(), y.images()), "the same batch is mixed the same way");
      assertEquals(0, Tensors.maxAbsDiff(x.labels(), y.labels()));
      assertEquals(16, x.labels().sum().item_double(), 1e-4, "each row is a distribution");
    }
    TrainResult r = trainer(model(), TrainConfig.builder(1).labelSmoothing(0.1).build()).fit(mixed, null);
    assertTrue(Double.isFinite(r.history().get(0).trainLoss()));
    assertTrue(r.history().get(0).trainAccuracy() > 0);
    assertNull(r.lastEvaluation());
  }
}
