package io.nets4j.cli;

import io.nets4j.data.PatternImages;
import io.nets4j.models.ImageClassifier;
import io.nets4j.models.ModelOptions;
import io.nets4j.models.Models;
import io.nets4j.nn.Checks;
import io.nets4j.nn.F;
import io.nets4j.nn.Limits;
import io.nets4j.tensor.Device;
import io.nets4j.tensor.Scope;
import io.nets4j.train.LrSchedule;
import io.nets4j.train.OptimizerSpec;
import io.nets4j.train.TrainingEngine;
import io.nets4j.train.TrainingRun;
import io.nets4j.train.TrainingTask;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code nets4j demo}: trains a ResNet on images generated in-process (no download) and reports
 * loss and accuracy, showing the whole stack — model, autograd, optimizer, memory scopes — at work.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Train a small ResNet for a few hundred steps on generated texture images.")
final class DemoCommand implements Callable<Integer> {
  @Mixin ModelOption model = new ModelOption("resnet18");

  @Mixin StepRecipe recipe = new StepRecipe(300, 32, 0.005);

  @Mixin SizeOption size = new SizeOption(32);

  @Override
  public Integer call() {
    Checks.positive("--steps", recipe.steps);
    Checks.positive("--batch", recipe.batch);
    Checks.range("--size", size.value, 8, Limits.MAX_INPUT_SIDE);
    Checks.positive("--lr", recipe.lr);
    ModelNames.requireClassifier(model.value);
    torch.manual_seed(recipe.seed);
    int classes = PatternImages.CLASSES.size();
    ImageClassifier net = Models.create(model.value, ModelOptions.defaults().withNumClasses(classes));
    System.out.printf(Locale.ROOT, "demo: %s (%,d parameters) on %d generated %dx%d images per step, classes %s%n",
        model.value, net.parameterCount(), recipe.batch, size.value, size.value, PatternImages.CLASSES);
    TrainingEngine.Recipe schedule = new TrainingEngine.Recipe(recipe.steps, OptimizerSpec.sgd(recipe.lr).withWeightDecay(5e-4)
        .withDecayNormAndBias(true), LrSchedule.constant(), recipe.seed, TrainingEngine.Numerics.DEFAULT);
    long start = System.nanoTime();
    double[] window = new double[3];
    new TrainingEngine(new PatternTask(net, model.value, size.value, recipe.batch), schedule, TrainingRun.quiet()).run(st -> {
      window[0] += st.loss();
      window[1] += st.terms().get("accuracy");
      window[2]++;
      if (st.step() % 25 == 0 || st.step() == recipe.steps) {
        System.out.printf(Locale.ROOT, "step %4d/%d  loss %.4f  train acc %5.1f%%  %.1f img/s%n", st.step(), recipe.steps,
            window[0] / window[2], 100.0 * window[1] / window[2],
            (double) st.step() * recipe.batch / ((System.nanoTime() - start) / 1e9));
        Arrays.fill(window, 0);
      }
      return true;
    });
    double accuracy = evaluate(net, new PatternImages(size.value, recipe.seed + 1), 512);
    System.out.printf(Locale.ROOT, "held-out accuracy %.1f%% on 512 new images (chance %.1f%%), %.1f s%n",
        100 * accuracy, 100.0 / classes, (System.nanoTime() - start) / 1e9);
    return 0;
  }

  /** Generated pattern images and their cross-entropy, for the {@link TrainingEngine}. */
  private record PatternTask(ImageClassifier model, String name, int size, int batch)
      implements TrainingTask<PatternImages> {
    @Override
    public PatternImages batch(long step, long stepSeed) {
      return new PatternImages(size, stepSeed);
    }

    @Override
    public TrainingTask.Loss loss(PatternImages source, Device device) {
      PatternImages.Batch b = source.next(batch);
      Tensor labels = device.put(b.labels());
      Tensor logits = model.forward(device.put(b.images()));
      double accuracy = logits.argmax(new LongOptional(1), false).eq(labels).sum().item_long() / (double) batch;
      return new TrainingTask.Loss(F.crossEntropy(logits, labels), Map.of("accuracy", accuracy));
    }
  }

  static double evaluate(ImageClassifier net, PatternImages data, int n) {
    net.eval();
    long correct = 0;
    try (NoGradGuard g = new NoGradGuard()) {
      for (int done = 0; done < n; done += 64) {
        try (Scope s = Scope.open()) {
          PatternImages.Batch b = data.next(Math.min(64, n - done));
          Tensor pred = net.forward(b.images()).argmax(new LongOptional(1), false);
          correct += pred.eq(b.labels()).sum().item_long();
        }
      }
    }
    return (double) correct / n;
  }
}
