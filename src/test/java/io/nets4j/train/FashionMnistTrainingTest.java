package io.nets4j.train;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nets4j.models.ModelOptions;
import io.nets4j.models.Models;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The real-data path end to end on a subset of Fashion-MNIST (Debian package
 * {@code dataset-fashion-mnist}): IDX files, the loader with its augmentation, the trainer with
 * AdamW, label smoothing and a cosine schedule, evaluation on the official test split. One short
 * epoch must land far above chance (10%), so that a broken loop fails CI. Under CI (environment
 * variable {@code CI} set) the data must be installed ({@code .ci/run} installs it); elsewhere the
 * test is skipped without it.
 */
class FashionMnistTrainingTest {
  private static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");

  @Test
  void aShortRunOnASubsetIsFarAboveChance() {
    boolean installed = Files.isRegularFile(DATA.resolve("train-images-idx3-ubyte.gz"));
    if (System.getenv("CI") != null) {
      assertTrue(installed, "CI must install Fashion-MNIST (apt-get install dataset-fashion-mnist): " + DATA + " is missing");
    }
    assumeTrue(installed, "Fashion-MNIST is not installed at " + DATA);
    torch.manual_seed(0);
    DataSpec.Opened data = DataSpec.parse("idx:" + DATA).open(new DataSpec.Options(0, 3000, 1000, 0.1, 0));
    TrainConfig config = TrainConfig.builder(1).optimizer(OptimizerSpec.adamw(2e-3)).labelSmoothing(0.1)
        .schedule(ScheduleSpec.cosine().withWarmup(0.2, 0.01)).build();
    TrainResult r = new Trainer(Models.create("resnet18", ModelOptions.defaults().withNumClasses(10).withInChannels(1)),
        "resnet18", config).progress(Trainer.ProgressMode.NONE)
        .fit(data.trainBatches(64, 2, 0, 0, 0), data.validationBatches(250, 2));
    double top1 = r.lastEvaluation().top1();
    System.out.printf("Fashion-MNIST, 1 epoch of 3000 images: test top-1 %.1f%% on 1000 images (chance 10%%)%n", 100 * top1);
    assertTrue(top1 > 0.5, "test accuracy " + top1 + " is not far above chance (0.1)");
  }
}
