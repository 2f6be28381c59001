package io.nets4j.sequence.tasks;

import io.nets4j.nn.F;
import io.nets4j.tensor.Scope;
import io.nets4j.train.LrSchedule;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.function.Consumer;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * Trains a {@link Seq2SeqModel} on the {@link DateTask} with teacher forcing and Adam, and
 * measures exact-match accuracy of greedy translations of held-out dates.
 */
public final class Seq2SeqTraining {
  private Seq2SeqTraining() {}

  /**
   * @param steps optimisation steps
   * @param batch examples per step
   * @param learningRate Adam's base learning rate
   * @param schedule the factor of the base learning rate at each step
   * @param evalEvery measure held-out accuracy every this many steps (and at the end)
   * @param evalExamples held-out examples per measurement
   * @param seed seed of the example stream
   * @param stopAt stop early at the first measurement whose held-out accuracy reaches this
   *     ({@code Double.POSITIVE_INFINITY}: train all steps; 0: stop at the first measurement)
   * @param maxSeconds stop after the first step that ends this many seconds after the start, with a
   *     last measurement ({@code Double.POSITIVE_INFINITY}: no limit)
   */
  public record Settings(int steps, int batch, double learningRate, LrSchedule schedule, int evalEvery,
      int evalExamples, long seed, double stopAt, double maxSeconds) {
    public Settings {
      Objects.requireNonNull(schedule, "schedule");
      if (steps < 1 || batch < 1 || evalEvery < 1 || evalExamples < 1 || learningRate <= 0 || !(stopAt >= 0)
          || !(maxSeconds > 0)) {
        throw new IllegalArgumentException("steps, batch, evaluation interval and examples and learning rate must be "
            + "positive, the early-stop accuracy not negative and the time limit positive, got " + steps + ", " + batch
            + ", " + evalEvery + ", " + evalExamples + ", " + learningRate + ", " + stopAt + ", " + maxSeconds);
      }
    }

    /** Settings that train all {@code steps} at a constant learning rate. */
    public Settings(int steps, int batch, double learningRate, int evalEvery, int evalExamples, long seed) {
      this(steps, batch, learningRate, LrSchedule.constant(), evalEvery, evalExamples, seed, Double.POSITIVE_INFINITY,
          Double.POSITIVE_INFINITY);
    }
  }

  /** One measurement: after {@code step} steps and {@code seconds} of training, loss and held-out accuracy. */
  public record Checkpoint(int step, double seconds, double trainLoss, double heldOutAccuracy) {}

  /**
   * Trains {@code model} and returns the measurements, reporting each to {@code log}; stops after
   * the first measurement at or above {@link Settings#stopAt}, or when the time runs out.
   */
  public static List<Checkpoint> train(Seq2SeqModel model, DateTask task, Settings settings, Consumer<Checkpoint> log) {
    Random random = new Random(settings.seed());
    List<DateTask.Example> heldOut = task.heldOutExamples(settings.evalExamples(), new Random(settings.seed() + 1));
    Adam adam = new Adam(new TensorVector(model.parameters().toArray(new Tensor[0])),
        new AdamOptions(settings.learningRate()));
    List<Checkpoint> out = new ArrayList<>();
    long start = System.nanoTime();
    double lossSum = 0;
    int lossCount = 0;
    model.train();
    for (int step = 1; step <= settings.steps(); step++) {
      try (Scope s = Scope.open()) {
        adam.param_groups().get(0).options().set_lr(settings.learningRate() * settings.schedule().factor(step - 1));
        List<DateTask.Example> batch = task.trainingExamples(settings.batch(), random);
        Tensor loss = loss(model, batch);
        adam.zero_grad();
        loss.backward();
        adam.step();
        lossSum += loss.item_double();
        lossCount++;
      }
      boolean outOfTime = (System.nanoTime() - start) / 1e9 >= settings.maxSeconds();
      if (step % settings.evalEvery() == 0 || step == settings.steps() || outOfTime) {
        double seconds = (System.nanoTime() - start) / 1e9;
        Checkpoint c = new Checkpoint(step, seconds, lossSum / lossCount, exactMatch(model, heldOut));
        out.add(c);
        log.accept(c);
        lossSum = 0;
        lossCount = 0;
        model.train();
        if (c.heldOutAccuracy() >= settings.stopAt() || outOfTime) {
          break;
        }
      }
    }
    return out;
  }

  /** The mean cross-entropy of the target characters (and end token) of {@code batch} under teacher forcing. */
  public static Tensor loss(Seq2SeqModel model, List<DateTask.Example> batch) {
    Seq2SeqModel.Sources src = model.encode(batch.stream().map(DateTask.Example::source).toList());
    Tensor[] tgt = model.encodeTargets(batch.stream().map(DateTask.Example::target).toList());
    Tensor logits = model.forward(src, tgt[0]).logits();
    return F.crossEntropy(logits.reshape(-1, logits.size(2)), tgt[1].reshape(-1));
  }

  /** The fraction of {@code examples} translated exactly right by greedy decoding. */
  public static double exactMatch(Seq2SeqModel model, List<DateTask.Example> examples) {
    int correct = 0;
    for (boolean c : correct(model, examples)) {
      correct += c ? 1 : 0;
    }
    return (double) correct / examples.size();
  }

  /** Whether greedy decoding translates each of {@code examples} exactly right. */
  public static boolean[] correct(Seq2SeqModel model, List<DateTask.Example> examples) {
    boolean[] out = new boolean[examples.size()];
    for (int from = 0; from < examples.size(); from += 256) {
      try (Scope s = Scope.open()) {
        List<DateTask.Example> chunk = examples.subList(from, Math.min(examples.size(), from + 256));
        List<String> got = model.translate(chunk.stream().map(DateTask.Example::source).toList(),
            DateTask.TARGET_LENGTH + 2);
        for (int i = 0; i < chunk.size(); i++) {
          out[from + i] = got.get(i).equals(chunk.get(i).target());
        }
      }
    }
    return out;
  }

  /** The fraction of target characters (and end tokens) of {@code examples} predicted right under teacher forcing. */
  public static double characterAccuracy(Seq2SeqModel model, List<DateTask.Example> examples) {
    boolean wasTraining = model.isTraining();
    model.eval();
    try (Scope s = Scope.open(); org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
      Seq2SeqModel.Sources src = model.encode(examples.stream().map(DateTask.Example::source).toList());
      Tensor[] tgt = model.encodeTargets(examples.stream().map(DateTask.Example::target).toList());
      Tensor predicted = model.forward(src, tgt[0]).logits().argmax(new org.bytedeco.pytorch.LongOptional(2), false);
      return (double) predicted.eq(tgt[1]).sum().item_long() / tgt[1].numel();
    } finally {
      model.train(wasTraining);
    }
  }
}
