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
import picocli.CommandLine.Option;

/**
 * {@code nets4j demo}: trains a ResNet on images generated in-process (no download) and reports
 * loss and accuracy, showing the whole stack — model, autograd, optimizer, memory scopes — at work.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Train a small ResNet for a few hundred steps on generated texture images.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--model", defaultValue = "resnet18", description = "registered model (default: ${DEFAULT-VALUE})")
  String model;

  @Option(names = "--steps", defaultValue = "300", description = "training steps (default: ${DEFAULT-VALUE})")
  int steps;

  @Option(names = "--batch", defaultValue = "32", description = "batch size (default: ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--size", defaultValue = "32", description = "image size in pixels (default: ${DEFAULT-VALUE})")
  int size;

  @Option(names = "--lr", defaultValue = "0.005", description = "SGD learning rate (default: ${DEFAULT-VALUE})")
  double lr;

  @Option(names = "--seed", defaultValue = "0", description = "random seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Override
  public Integer call() {
    Checks.positive("--steps", steps);
    Checks.positive("--batch", batch);
    Checks.range("--size", size, 8, Limits.MAX_INPUT_SIDE);
    Checks.positive("--lr", lr);
    ModelNames.requireClassifier(model);
    torch.manual_seed(seed);
    int classes = PatternImages.CLASSES.size();
    ImageClassifier net = Models.create(model, ModelOptions.defaults().withNumClasses(classes));
    System.out.printf(Locale.ROOT, "demo: %s (%,d parameters) on %d generated %dx%d images per step, classes %s%n",
        model, net.parameterCount(), batch, size, size, PatternImages.CLASSES);
    SGDOptions options = new SGDOptions(lr);
    options.momentum().put(0.9);
    options.weight_decay().put(5e-4);
    SGD sgd = new SGD(new TensorVector(net.parameters().toArray(new Tensor[0])), options);
    PatternImages train = new PatternImages(size, seed);
    long start = System.nanoTime();
    double lossSum = 0;
    long correct = 0;
    int window = 0;
    for (int step = 1; step <= steps; step++) {
      try (Scope s = Scope.open()) {
        net.train();
        PatternImages.Batch b = train.next(batch);
        Tensor logits = net.forward(b.images());
        Tensor loss = F.crossEntropy(logits, b.labels());
        sgd.zero_grad();
        loss.backward();
        sgd.step();
        lossSum += loss.item_double();
        correct += logits.argmax(new org.bytedeco.pytorch.LongOptional(1), false).eq(b.labels()).sum().item_long();
        window++;
      }
      if (step % 25 == 0 || step == steps) {
        System.out.printf(Locale.ROOT, "step %4d/%d  loss %.4f  train acc %5.1f%%  %.1f img/s%n", step, steps,
            lossSum / window, 100.0 * correct / ((long) window * batch),
            (double) step * batch / ((System.nanoTime() - start) / 1e9));
        lossSum = 0;
        correct = 0;
        window = 0;
      }
    }
    double accuracy = evaluate(net, new PatternImages(size, seed + 1), 512);
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
