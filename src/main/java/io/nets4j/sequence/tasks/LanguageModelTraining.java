package io.nets4j.sequence.tasks;

import io.nets4j.nn.F;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Device;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import io.nets4j.train.LrSchedule;
import io.nets4j.train.OptimizerSpec;
import io.nets4j.train.TrainingEngine;
import io.nets4j.train.TrainingRun;
import io.nets4j.train.TrainingTask;
import java.util.Arrays;
import java.util.Random;
import java.util.function.IntConsumer;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Trains character language models on random windows of a text with Adam, and measures
 * perplexity: {@code exp} of the mean negative log-likelihood per character.
 */
public final class LanguageModelTraining {
  private LanguageModelTraining() {}

  /** {@code steps} Adam steps on {@code batch} random windows of {@code length + 1} characters. */
  public record Settings(int steps, int batch, int length, double learningRate, long seed) {
    public Settings {
      if (steps < 1 || batch < 1 || length < 1 || learningRate <= 0) {
        throw new IllegalArgumentException("steps, batch, length and learning rate must be positive, got " + steps
            + ", " + batch + ", " + length + ", " + learningRate);
      }
    }
  }

  /** Trains {@code model} on {@code text} (character ids); {@code progress} hears each finished step. */
  public static void train(CharLanguageModel model, long[] text, Settings s, IntConsumer progress) {
    train(model, text, s, progress, TrainingRun.quiet());
  }

  /**
   * Like {@link #train(CharLanguageModel, long[], Settings, IntConsumer)}, through the
   * {@link TrainingEngine} with {@code run}'s logs, checkpoints, resuming, progress, device and
   * numerics. Adam is AdamW without weight decay.
   */
  public static TrainingEngine.Result train(CharLanguageModel model, long[] text, Settings s, IntConsumer progress,
      TrainingRun run) {
    if (text.length < s.length() + 1) {
      throw new IllegalArgumentException("training text of " + text.length + " characters is shorter than one window of "
          + (s.length() + 1));
    }
    TrainingEngine.Recipe recipe = new TrainingEngine.Recipe(s.steps(), OptimizerSpec.adamw(s.learningRate())
        .withWeightDecay(0), LrSchedule.constant(), s.seed(), TrainingEngine.Numerics.DEFAULT);
    return new TrainingEngine(new Task(model, text, s), recipe, run).run(step -> {
      progress.accept((int) step.step());
      return true;
    });
  }

  /** A batch of windows: inputs and their next characters, {@code [batch * length]} each. */
  private record Windows(long[] in, long[] target) {}

  /** Random windows of the text and the next-character cross-entropy, for the {@link TrainingEngine}. */
  private record Task(CharLanguageModel model, long[] text, Settings s) implements TrainingTask<Windows> {
    @Override
    public String name() {
      return model.typeName();
    }

    @Override
    public Windows batch(long step, long stepSeed) {
      Random random = new Random(stepSeed);
      long[] in = new long[s.batch() * s.length()];
      long[] target = new long[s.batch() * s.length()];
      for (int b = 0; b < s.batch(); b++) {
        int start = random.nextInt(text.length - s.length());
        System.arraycopy(text, start, in, b * s.length(), s.length());
        System.arraycopy(text, start + 1, target, b * s.length(), s.length());
      }
      return new Windows(in, target);
    }

    @Override
    public TrainingTask.Loss loss(Windows w, Device device) {
      Tensor logits = model.logits(device.put(Tensors.fromLongs(w.in(), s.batch(), s.length())));
      return TrainingTask.Loss.of(F.crossEntropy(logits.reshape(-1, logits.size(2)),
          device.put(Tensors.fromLongs(w.target(), w.target().length))));
    }
  }

  /**
   * The mean negative log-likelihood (nats) of {@code text[1..]}: the text is cut into consecutive
   * chunks of {@code length + 1} characters overlapping by one, and each chunk's characters after
   * the first are predicted from the chunk's earlier characters.
   */
  public static double meanNll(CharLanguageModel model, long[] text, int length) {
    if (text.length < 2) {
      throw new IllegalArgumentException("need at least 2 characters to evaluate, got " + text.length);
    }
    boolean wasTraining = model.isTraining();
    model.eval();
    double sum = 0;
    long count = 0;
    try (NoGradGuard g = new NoGradGuard()) {
      for (int start = 0; start < text.length - 1; start += length) {
        int n = Math.min(length, text.length - 1 - start);
        try (Scope scope = Scope.open()) {
          long[] in = Arrays.copyOfRange(text, start, start + n);
          long[] target = Arrays.copyOfRange(text, start + 1, start + 1 + n);
          Tensor logits = model.logits(Tensors.fromLongs(in, 1, n)).select(0, 0);
          sum += n * F.crossEntropy(logits, Tensors.fromLongs(target, n)).item_double();
          count += n;
        }
      }
    } finally {
      model.train(wasTraining);
    }
    return sum / count;
  }

  /** The perplexity of next-token logits {@code [N, V]} against targets {@code [N]}: {@code exp(mean cross-entropy)}. */
  public static double perplexity(Tensor logits, Tensor targets) {
    try (Scope scope = Scope.open()) {
      return Math.exp(F.crossEntropy(logits, targets).item_double());
    }
  }

  /**
   * {@code length} characters sampled from the model after {@code prompt} (ids), at temperature
   * {@code temperature}, the context cut to the model's limit.
   */
  public static long[] sample(CharLanguageModel model, long[] prompt, int length, double temperature, long seed) {
    if (prompt.length == 0) {
      throw new IllegalArgumentException("sampling needs a non-empty prompt");
    }
    Random random = new Random(seed);
    long[] text = Arrays.copyOf(prompt, prompt.length + length);
    boolean wasTraining = model.isTraining();
    model.eval();
    try (NoGradGuard g = new NoGradGuard()) {
      for (int t = prompt.length; t < text.length; t++) {
        int from = Math.max(0, t - model.maxLength());
        try (Scope scope = Scope.open()) {
          Tensor logits = model.logits(Tensors.fromLongs(Arrays.copyOfRange(text, from, t), 1, t - from))
              .select(0, 0).select(0, t - from - 1);
          double[] p = Tensors.toDoubleArray(F.softmax(logits.div(new Scalar(temperature)), 0)
              .to(DType.FLOAT64.scalarType()));
          double u = random.nextDouble();
          int c = 0;
          for (double acc = p[0]; acc < u && c < p.length - 1; acc += p[++c]) {
            // walk the cumulative distribution
          }
          text[t] = c;
        }
      }
    } finally {
      model.train(wasTraining);
    }
    return Arrays.copyOfRange(text, prompt.length, text.length);
  }
}
