package io.nets4j.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.models.ImageClassifier;
import io.nets4j.nn.Activation;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.F;
import io.nets4j.nn.Linear;
import io.nets4j.nn.MaxPool2d;
import io.nets4j.nn.Sequential;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The whole pipeline on the synthetic shapes (textured backgrounds, random colours, sizes and
 * rotations): data set, loader, transforms, trainer, evaluation. A short run must reach a
 * validation accuracy far above chance (1 in 6); a broken loop (no update, wrong labels, lost
 * gradients) stays near chance and fails.
 */
class ShapesTrainingTest {
  /** A plain four-layer CNN: big enough for the task, small enough for a test. */
  private static final class SmallCnn extends ImageClassifier {
    private final Sequential features;
    private final Linear fc;

    SmallCnn(int classes) {
      features = register("features", new Sequential(block(3, 32), new MaxPool2d(2, 2, 0), block(32, 64),
          new MaxPool2d(2, 2, 0), block(64, 128), new MaxPool2d(2, 2, 0), block(128, 128)));
      fc = register("fc", new Linear(128, classes));
    }

    private static Sequential block(int in, int out) {
      return new Sequential(new Conv2d(in, out, ConvSpec.kernel(3).padding(1).noBias()), new BatchNorm2d(out),
          Activation.relu());
    }

    @Override
    public Tensor forwardFeatures(Tensor x) {
      return features.forward(x);
    }

    @Override
    public Tensor forwardHead(Tensor f) {
      return fc.forward(F.globalAvgPool(f));
    }

    @Override
    public int numFeatures() {
      return 128;
    }

    @Override
    public int numClasses() {
      return (int) fc.weight().size(0);
    }

    @Override
    public void resetClassifier(int n) {
      throw new UnsupportedOperationException();
    }
  }

  @Test
  void aShortRunOnShapesIsFarAboveChance() {
    torch.manual_seed(0);
    DataSpec.Opened data = DataSpec.parse("shapes").open(new DataSpec.Options(32, 2400, 300, 0.1, 0));
    TrainConfig config = TrainConfig.builder(5).optimizer(OptimizerSpec.adamw(3e-3))
        .schedule(ScheduleSpec.cosine().withWarmup(0.2, 0.01)).build();
    TrainResult r = new Trainer(new SmallCnn(6), "small-cnn", config).progress(Trainer.ProgressMode.NONE)
        .fit(data.trainBatches(32, 2, 0, 0, 0), data.validationBatches(100, 2));
    double top1 = r.lastEvaluation().top1();
    System.out.printf("shapes, 5 epochs of 2400 images: validation top-1 %.1f%% (chance 16.7%%)%n", 100 * top1);
    assertTrue(top1 > 0.4, "validation accuracy " + top1 + " is not far above chance (0.167)");
  }
}
