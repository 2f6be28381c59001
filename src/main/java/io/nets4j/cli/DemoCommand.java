package io.nets4j.cli;

import io.nets4j.data.PatternImages;
import io.nets4j.models.ImageClassifier;
import io.nets4j.models.ModelOptions;
import io.nets4j.models.Models;
import io.nets4j.nn.Checks;
import io.nets4j.nn.F;
import io.nets4j.nn.Limits;
import io.nets4j.tensor.Scope;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code nets4j demo}: trains a ResNet on images generated in-process (no download) and reports
 * loss and accuracy, showing the whole stack — model, autograd, optimizer, memory scopes — at work.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Train a small ResNet for a few hundred steps on generated texture images.")
final class DemoCommand implements Callable<Integer> {
  @Mixin
  ModelOption model = new ModelOption("resnet18");

  @Mixin
  StepsOption steps = new StepsOption(300);

  @Mixin
  BatchOption batch = new BatchOption(32);

  @Mixin
  SizeOption size = new SizeOption(32);

  @Mixin
  LearningRateOption lr = new LearningRateOption(0.005);

  @Mixin
  SeedOption seed = new SeedOption(0);

  @Override
  public Integer call() {
    Checks.positive("--steps", steps.value);
    Checks.positive("--batch", batch.value);
    Checks.range("--size", size.value, 8, Limits.MAX_INPUT_SIDE);
    Checks.positive("--lr", lr.value);
    ModelNames.requireClassifier(model.value);
    torch.manual_seed(seed.value);
    int classes = PatternImages.CLASSES.size();
    ImageClassifier net = Models.create(model.value, ModelOptions.defaults().withNumClasses(classes));
    System.out.printf(Locale.ROOT, "demo: %s (%,d parameters) on %d generated %dx%d images per step, classes %s%n",
        model.value, net.parameterCount(), batch.value, size.value, size.value, PatternImages.CLASSES);
    SGDOptions options = new SGDOptions(lr.value);
    options.momentum().put(0.9);
    options.weight_decay().put(5e-4);
    SGD sgd = new SGD(new TensorVector(net.parameters().toArray(new Tensor[0])), options);
    PatternImages train = new PatternImages(size.value, seed.value);
    long start = System.nanoTime();
    double lossSum = 0;
    long correct = 0;
    int window = 0;
    for (int step = 1; step <= steps.value; step++) {
      try (Scope s = Scope.open()) {
        net.train();
        PatternImages.Batch b = train.next(batch.value);
        Tensor logits = net.forward(b.images());
        Tensor loss = F.crossEntropy(logits, b.labels());
        sgd.zero_grad();
        loss.backward();
        sgd.step();
        lossSum += loss.item_double();
        correct += logits.argmax(new org.bytedeco.pytorch.LongOptional(1), false).eq(b.labels()).sum().item_long();
        window++;
      }
      if (step % 25 == 0 || step == steps.value) {
        System.out.printf(Locale.ROOT, "step %4d/%d  loss %.4f  train acc %5.1f%%  %.1f img/s%n", step, steps.value,
            lossSum / window, 100.0 * correct / ((long) window * batch.value),
            (double) step * batch.value / ((System.nanoTime() - start) / 1e9));
        lossSum = 0;
        correct = 0;
        window = 0;
      }
    }
    double accuracy = evaluate(net, new PatternImages(size.value, seed.value + 1), 512);
    System.out.printf(Locale.ROOT, "held-out accuracy %.1f%% on 512 new images (chance %.1f%%), %.1f s%n",
        100 * accuracy, 100.0 / classes, (System.nanoTime() - start) / 1e9);
    return 0;
  }

  static double evaluate(ImageClassifier net, PatternImages data, int n) {
    net.eval();
    long correct = 0;
    try (NoGradGuard g = new NoGradGuard()) {
      for (int done = 0; done < n; done += 64) {
        try (Scope s = Scope.open()) {
          PatternImages.Batch b = data.next(Math.min(64, n - done));
          Tensor pred = net.forward(b.images()).argmax(new org.bytedeco.pytorch.LongOptional(1), false);
          correct += pred.eq(b.labels()).sum().item_long();
        }
      }
    }
    return (double) correct / n;
  }
}
