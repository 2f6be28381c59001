package io.nets4j.sequence.tasks;

import io.nets4j.nn.F;
import io.nets4j.tensor.Device;
import io.nets4j.tensor.Scope;
import io.nets4j.train.LrSchedule;
import io.nets4j.train.OptimizerSpec;
import io.nets4j.train.TrainingEngine;
import io.nets4j.train.TrainingRun;
import io.nets4j.train.TrainingTask;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.function.Consumer;
import org.bytedeco.pytorch.Tensor;

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
    return train(model, task, settings, log, TrainingRun.quiet());
  }

  /**
   * Like {@link #train(Seq2SeqModel, DateTask, Settings, Consumer)}, through the
   * {@link TrainingEngine} with {@code run}'s logs, checkpoints, resuming, progress, device and
   * numerics; returns the measurements of this call. Adam is AdamW without weight decay.
   */
  public static List<Checkpoint> train(Seq2SeqModel model, DateTask task, Settings settings, Consumer<Checkpoint> log,
      TrainingRun run) {
    List<DateTask.Example> heldOut = task.heldOutExamples(settings.evalExamples(), new Random(settings.seed() + 1));
    TrainingEngine.Recipe recipe = new TrainingEngine.Recipe(settings.steps(),
        OptimizerSpec.adamw(settings.learningRate()).withWeightDecay(0), settings.schedule(), settings.seed(),
        TrainingEngine.Numerics.DEFAULT);
    List<Checkpoint> out = new ArrayList<>();
    long start = System.nanoTime();
    double[] window = new double[2];
    new TrainingEngine(new Task(model, task, settings), recipe, run).run(s -> {
      if (!s.skipped()) {
        window[0] += s.loss();
        window[1]++;
      }
      int step = (int) s.step();
      boolean outOfTime = (System.nanoTime() - start) / 1e9 >= settings.maxSeconds();
      if (step % settings.evalEvery() != 0 && step != settings.steps() && !outOfTime) {
        return true;
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      Checkpoint c = new Checkpoint(step, seconds, window[0] / window[1], exactMatch(model, heldOut));
      out.add(c);
      log.accept(c);
      window[0] = 0;
      window[1] = 0;
      model.train();
      return c.heldOutAccuracy() < settings.stopAt() && !outOfTime;
    });
    return out;
  }

  /** Random training dates and the teacher-forced loss, for the {@link TrainingEngine}. */
  private record Task(Seq2SeqModel model, DateTask task, Settings settings)
      implements TrainingTask<List<DateTask.Example>> {
    @Override
    public String name() {
      return model.typeName();
    }

    @Override
    public List<DateTask.Example> batch(long step, long stepSeed) {
      return task.trainingExamples(settings.batch(), new Random(stepSeed));
    }

    @Override
    public TrainingTask.Loss loss(List<DateTask.Example> batch, Device device) {
      return TrainingTask.Loss.of(Seq2SeqTraining.loss(model, batch));
    }
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
