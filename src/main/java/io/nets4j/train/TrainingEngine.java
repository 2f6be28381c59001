package io.nets4j.train;

import io.nets4j.nn.Checks;
import io.nets4j.nn.Module;
import io.nets4j.tensor.CpuCapabilities;
import io.nets4j.tensor.Device;
import io.nets4j.tensor.Scope;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The step loop of every task that trains for a number of optimizer steps (segmentation, detection,
 * R-CNN, language models, seq2seq, captioning): each step draws its batch from the
 * {@link TrainingTask}, runs the forward pass and loss (under bfloat16 autocast when asked for),
 * checks the loss against the NaN policy, clears the gradients, runs the backward pass, clips the
 * gradient norm and applies the optimizer ({@link OptimizerSpec}) at the scheduled learning rate.
 * Around the steps it shows progress, writes {@code steps.jsonl} and {@code metrics.jsonl}, saves
 * atomic checkpoints (weights, optimizer state, libtorch's generator, the step, the task's state
 * and the losses so far, see {@link Checkpoints}) and resumes from them exactly: a run of N steps
 * and a run stopped after k steps and resumed for the rest compute the same losses and weights.
 * Ctrl-C (with {@link TrainingRun#shutdownHook}) finishes the step, saves a checkpoint and returns.
 *
 * <p>Every step runs in its own {@link Scope}, so native memory stays flat. The classification
 * {@link Trainer} (epochs, validation, data parallel) shares the step itself ({@link OptimizerStep}).
 *
 * <pre>{@code
 * TrainingEngine.Result r = new TrainingEngine(task, new TrainingEngine.Recipe(1000, OptimizerSpec.adamw(1e-3),
 *     LrSchedule.cosine(1000, 0), 0, TrainingEngine.Numerics.DEFAULT), TrainingRun.quiet()).run(step -> true);
 * }</pre>
 */
public final class TrainingEngine {
  /** The {@code format} of the engine's {@code checkpoint.json}. */
  public static final String FORMAT = "nets4j-engine-checkpoint/1";

  /**
   * How a step's numbers are kept in range.
   *
   * @param clipGradNorm the largest global gradient L2 norm (0: no clipping)
   * @param bf16 forward passes under bfloat16 autocast (CPU, where {@link CpuCapabilities} allows)
   * @param onNonFinite what a NaN or infinite loss or gradient norm does
   */
  public record Numerics(double clipGradNorm, boolean bf16, TrainConfig.NonFinitePolicy onNonFinite) {
    /** No clipping, float32, fail on NaN. */
    public static final Numerics DEFAULT = new Numerics(0, false, TrainConfig.NonFinitePolicy.FAIL);

    public Numerics {
      Checks.nonNegative("gradient clipping norm", clipGradNorm);
    }

    /** No clipping beyond {@code clipGradNorm}, float32, fail on NaN. */
    public static Numerics clipping(double clipGradNorm) {
      return new Numerics(clipGradNorm, false, TrainConfig.NonFinitePolicy.FAIL);
    }
  }

  /**
   * What a run computes (with the task): checked against the checkpoint on resume.
   *
   * @param steps optimizer steps
   * @param optimizer the optimizer and its base learning rate
   * @param schedule the factor of the base rate at each (0-based) step
   * @param seed seeds libtorch's generator at the start and every step's batch
   * @param numerics clipping, bfloat16 and the NaN policy
   */
  public record Recipe(int steps, OptimizerSpec optimizer, LrSchedule schedule, long seed, Numerics numerics) {
    public Recipe {
      Checks.positive("steps", steps);
    }

    /** This recipe with the numerics {@code run} asks for instead of its own. */
    Recipe with(TrainingRun run) {
      Numerics n = new Numerics(run.clipGradNorm() != null ? run.clipGradNorm() : numerics.clipGradNorm(),
          run.bf16() || numerics.bf16(), run.onNonFinite() != null ? run.onNonFinite() : numerics.onNonFinite());
      return new Recipe(steps, optimizer, schedule, seed, n);
    }
  }

  /**
   * One finished step, as the listener sees it.
   *
   * @param step the number of steps done (1-based)
   * @param loss the loss (NaN when skipped)
   * @param terms the loss terms by name
   * @param lr the learning rate of the step
   * @param gradNorm the gradient norm before clipping (NaN without clipping)
   * @param skipped whether the NaN policy skipped the update
   * @param metrics what {@link TrainingTask#evaluate} returned after this step (empty when it did not run)
   */
  public record Step(long step, double loss, Map<String, Double> terms, double lr, double gradNorm, boolean skipped,
      Map<String, Double> metrics) {}

  /** Hears every step; returning {@code false} ends the run there (with a checkpoint when a run directory is set). */
  @FunctionalInterface
  public interface Listener {
    boolean onStep(Step step);
  }

  /**
   * What a run did.
   *
   * @param losses the loss of every step since the start of the run (resumed steps included; NaN for skipped ones)
   * @param steps the steps done
   * @param stopped whether a stop request or the listener ended it before {@link Recipe#steps}
   * @param lastCheckpoint the newest checkpoint written ({@code null} without a run directory)
   */
  public record Result(double[] losses, long steps, boolean stopped, Path lastCheckpoint) {}

  /** The JSON part of an engine checkpoint. */
  record Info(String format, String task, long step, int steps, String optimizer, String schedule, long seed,
      Numerics numerics, List<String> optimizerLayout, Map<String, Double> taskState, double[] losses) {}


  private final TrainingTask<?> task;
  private final Recipe recipe;
  private final TrainingRun run;
  private final StopSignal stop = new StopSignal();

  /**
   * @param task the model, batches and loss
   * @param recipe what the run computes (with the numerics {@code run} asks for)
   * @param run the bookkeeping
   */
  public TrainingEngine(TrainingTask<?> task, Recipe recipe, TrainingRun run) {
    this.task = task;
    this.recipe = recipe.with(run);
    this.run = run;
  }

  /** The recipe in effect (the task's, with the run's numerics). */
  public Recipe recipe() {
    return recipe;
  }

  /** Asks the running {@link #run} to stop after the current step, saving a checkpoint. */
  public void requestStop() {
    stop.request();
  }

  /**
   * Refuses bfloat16 where it cannot run: autocast is implemented here for the CPU, and libtorch's
   * oneDNN bfloat16 kernels need the CPU features {@link CpuCapabilities#bf16WeightPacking} names.
   */
  static void checkBf16(Device device) {
    if (!device.isCpu()) {
      throw new IllegalArgumentException("--bf16 is refused on " + device + ": nets4j's bfloat16 autocast runs on the "
          + "CPU only");
    }
    CpuCapabilities.Support s = CpuCapabilities.current().bf16WeightPacking();
    if (!s.supported()) {
      throw new IllegalArgumentException("--bf16 is refused on this CPU: " + s.reason());
    }
  }

  /** Trains for {@link Recipe#steps} steps (or until a stop), telling {@code listener} about each. */
  public Result run(Listener listener) {
    return stop.during(run.shutdownHook(), "nets4j-engine-shutdown", () -> loop(task, listener));
  }



  /** The seed of step {@code step}'s batch: SplitMix64 of the run's seed and the step, so steps are independent. */
  static long stepSeed(long seed, long step) {
    long z = seed + (step + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private <B> Result loop(TrainingTask<B> t, Listener listener) {
    Device device = run.device().require();
    Numerics n = recipe.numerics();
    if (n.bf16()) {
      checkBf16(device);
    }
    Module model = t.model();
    if (!device.isCpu()) {
      model.to(device.toString());
    }
    TorchOptimizer optimizer = recipe.optimizer().build(model);
    OptimizerStep update = new OptimizerStep(optimizer, recipe.schedule(), n.clipGradNorm(), n.bf16());
    Path runDir = run.runDirectory();
    double[] losses = new double[recipe.steps()];
    long start = 0;
    Path lastCheckpoint = null;
    if (run.resumeFrom() != null) {
      lastCheckpoint = resume(t, optimizer, losses);
      start = readInfo(lastCheckpoint).step();
    } else {
      torch.manual_seed(recipe.seed());
    }
    RunLog log = runDir == null ? null : openLog(runDir, start);
    Trainer.setTrainingMode(model);
    long step = start;
    long metricsAt = -1;
    boolean stopped = false;
    Window window = new Window();
    ExecutorService loader = Executors.newSingleThreadExecutor(r -> {
      Thread th = new Thread(r, "nets4j-batches");
      th.setDaemon(true);
      return th;
    });
    try (Progress bar = Progress.create(run.progress(), run.out(), t.name(), recipe.steps(), (int) start)) {
      Future<B> next = step < recipe.steps() ? prepare(loader, t, step) : null;
      while (step < recipe.steps()) {
        B batch = get(next);
        next = step + 1 < recipe.steps() ? prepare(loader, t, step + 1) : null;
        Step s = step(t, update, batch, step, device, n, lastCheckpoint);
        losses[(int) step] = s.loss();
        step++;
        window.add(s);
        Map<String, Double> metrics = Map.of();
        if (run.evalEvery() > 0 && (step % run.evalEvery() == 0 || step == recipe.steps())) {
          metrics = evaluate(t, model);
          if (log != null) {
            log.metrics(window.metricsLine(step, metrics));
            metricsAt = step;
          }
        }
        s = new Step(step, s.loss(), s.terms(), s.lr(), s.gradNorm(), s.skipped(), metrics);
        if (log != null && run.logEvery() > 0 && step % run.logEvery() == 0) {
          log.step(window.stepLine(step, s));
        }
        bar.update((int) step, window.message(s));
        boolean go = listener.onStep(s);
        if ((!go || stop.requested()) && step < recipe.steps()) {
          stopped = true;
          break;
        }
        if (runDir != null && run.checkpointEvery() > 0 && step % run.checkpointEvery() == 0
            && step < recipe.steps()) {
          lastCheckpoint = save(t, optimizer, step, losses);
        }
      }
    } finally {
      loader.shutdownNow();
    }
    if (log != null && step > start && metricsAt != step) {
      // the run's last line, so that metrics.jsonl ends where the run ends, evaluated or not
      log.metrics(window.metricsLine(step, Map.of()));
    }
    if (runDir != null && step > start) {
      lastCheckpoint = save(t, optimizer, step, losses);
    }
    if (stopped) {
      run.out().printf(Locale.ROOT, "stopped at step %d of %d%s%n", step, recipe.steps(),
          lastCheckpoint == null ? "" : "; checkpoint " + lastCheckpoint);
    }
    model.eval();
    return new Result(Arrays.copyOf(losses, (int) step), step, stopped, lastCheckpoint);
  }

  /** Restores the checkpoint {@link TrainingRun#resumeFrom} names into the task and optimizer; returns it. */
  private Path resume(TrainingTask<?> t, TorchOptimizer optimizer, double[] losses) {
    Path checkpoint = Checkpoints.resolve(run.resumeFrom());
    Info info = readInfo(checkpoint);
    check(checkpoint, info, t.name());
    Checkpoints.restore(checkpoint, info.optimizerLayout(), t.model(), optimizer);
    t.restoreState(info.taskState());
    System.arraycopy(info.losses(), 0, losses, 0, (int) Math.min(info.step(), losses.length));
    run.out().printf(Locale.ROOT, "resumed from %s at step %d of %d%s%n", checkpoint, info.step(), recipe.steps(),
        info.step() == recipe.steps() ? " (finished: nothing to train)" : "");
    return checkpoint;
  }

  /** The run directory's logs, cut back to {@code step}, after removing what a killed process left. */
  private RunLog openLog(Path runDir, long step) {
    try {
      Files.createDirectories(runDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the run directory " + runDir + " (" + e + ")", e);
    }
    for (Path leftover : Checkpoints.removeTemporaries(runDir)) {
      run.out().println("removed " + leftover + ", left half-written by a process that was killed");
    }
    RunLog log = new RunLog(runDir);
    log.truncate(step);
    return log;
  }

  private <B> Future<B> prepare(ExecutorService loader, TrainingTask<B> t, long step) {
    long seed = stepSeed(recipe.seed(), step);
    return loader.submit(() -> t.batch(step, seed));
  }

  private <B> Step step(TrainingTask<B> t, OptimizerStep update, B batch, long step, Device device, Numerics n,
      Path lastCheckpoint) {
    try (Scope s = Scope.open()) {
      double lr = update.setLr(step);
      TrainingTask.Loss loss = update.forward(() -> t.loss(batch, device));
      double value = loss.total().item_double();
      Map<String, Double> terms = loss.terms();
      if (!Double.isFinite(value)) {
        return nonFinite("the loss is " + value + (terms.isEmpty() ? "" : " " + terms), step, lr, n, lastCheckpoint);
      }
      double norm = update.backward(loss.total(), Tensor::backward);
      if (update.badNorm(norm)) {
        return nonFinite("the gradient norm is " + norm + " (loss " + value + ")", step, lr, n, lastCheckpoint);
      }
      update.step();
      return new Step(step + 1, value, terms, lr, norm, false, Map.of());
    }
  }

  private Step nonFinite(String what, long step, double lr, Numerics n, Path lastCheckpoint) {
    String where = String.format(Locale.ROOT, "%s at step %d of %d (lr %.4g)", what, step + 1, recipe.steps(), lr);
    if (n.onNonFinite() == TrainConfig.NonFinitePolicy.FAIL) {
      throw new NonFiniteLossException(where + "; the weights were not updated. Lower the learning rate, clip "
          + "gradients (--clip-grad), or skip such steps" + (lastCheckpoint == null ? "" : "; the last checkpoint is "
          + lastCheckpoint), step, 0, (int) step);
    }
    run.out().println("warning: " + where + "; step skipped");
    return new Step(step + 1, Double.NaN, Map.of(), lr, Double.NaN, true, Map.of());
  }

  private static Map<String, Double> evaluate(TrainingTask<?> t, Module model) {
    model.eval();
    try (NoGradGuard g = new NoGradGuard()) {
      return Map.copyOf(t.evaluate());
    } finally {
      Trainer.setTrainingMode(model);
    }
  }

  private Path save(TrainingTask<?> t, TorchOptimizer optimizer, long step, double[] losses) {
    Info info = new Info(FORMAT, t.name(), step, recipe.steps(), recipe.optimizer().describe(),
        recipe.schedule().describe(), recipe.seed(), recipe.numerics(), optimizer.layout(), t.state(),
        Arrays.copyOf(losses, (int) step));
    Path dir = run.runDirectory().resolve(Checkpoints.DIRECTORY);
    Path saved = Checkpoints.save(dir, t.model(), optimizer, step, 0, t.name(), info);
    Checkpoints.prune(dir, run.keepCheckpoints(), null);
    return saved;
  }

  private static Info readInfo(Path checkpoint) {
    if (!Checkpoints.format(checkpoint).equals(FORMAT)) {
      throw new IllegalArgumentException("the checkpoint " + checkpoint + " is of a classification run (format '"
          + Checkpoints.FORMAT + "'); resume it with nets4j train --resume");
    }
    try {
      return Checkpoints.JSON.readValue(checkpoint.resolve(Checkpoints.INFO_FILE).toFile(), Info.class);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + checkpoint.resolve(Checkpoints.INFO_FILE) + " ("
          + e.getMessage() + ")", e);
    }
  }

  /** Refuses a checkpoint of another task or made with a recipe that computes other numbers. */
  private void check(Path checkpoint, Info info, String name) {
    List<String> d = new ArrayList<>();
    if (!info.task().equals(name)) {
      d.add("model '" + info.task() + "' vs '" + name + "'");
    }
    if (!info.optimizer().equals(recipe.optimizer().describe())) {
      d.add("optimizer " + info.optimizer() + " vs " + recipe.optimizer().describe());
    }
    if (!info.schedule().equals(recipe.schedule().describe())) {
      d.add("schedule " + info.schedule() + " vs " + recipe.schedule().describe());
    }
    if (info.seed() != recipe.seed()) {
      d.add("seed " + info.seed() + " vs " + recipe.seed());
    }
    if (!info.numerics().equals(recipe.numerics())) {
      d.add("numerics " + info.numerics() + " vs " + recipe.numerics());
    }
    if (!d.isEmpty()) {
      throw new IllegalArgumentException("the checkpoint " + checkpoint + " was made with other settings ("
          + String.join(", ", d) + "); a resumed run must use the run's settings to continue it exactly");
    }
    if (info.step() > recipe.steps()) {
      throw new IllegalArgumentException("the checkpoint " + checkpoint + " is at step " + info.step()
          + " and the run has " + recipe.steps() + " steps");
    }
  }

  private static <B> B get(Future<B> batch) {
    try {
      return batch.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof RuntimeException r ? r : new IllegalStateException("preparing a batch failed: " + cause,
          cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while preparing a batch", e);
    }
  }

  /** Running means of the steps since the last log line, evaluation and message. */
  private static final class Window {
    private final long started = System.nanoTime();
    private double stepLoss;
    private long stepCount;
    private long stepStart = System.nanoTime();
    private double evalLoss;
    private long evalCount;
    private double smoothed = Double.NaN;
    private long seen;

    void add(Step s) {
      seen++;
      if (s.skipped()) {
        return;
      }
      stepLoss += s.loss();
      stepCount++;
      evalLoss += s.loss();
      evalCount++;
      smoothed = Double.isNaN(smoothed) ? s.loss() : 0.9 * smoothed + 0.1 * s.loss();
    }

    Map<String, Object> stepLine(long step, Step s) {
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("step", step);
      line.put("loss", stepCount == 0 ? null : stepLoss / stepCount);
      s.terms().forEach(line::put);
      line.put("lr", s.lr());
      if (!Double.isNaN(s.gradNorm())) {
        line.put("grad_norm", s.gradNorm());
      }
      line.put("steps_per_second", stepCount / ((System.nanoTime() - stepStart) / 1e9));
      stepLoss = 0;
      stepCount = 0;
      stepStart = System.nanoTime();
      return line;
    }

    Map<String, Object> metricsLine(long step, Map<String, Double> metrics) {
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("step", step);
      line.put("train_loss", evalCount == 0 ? null : evalLoss / evalCount);
      line.putAll(metrics);
      line.put("seconds", (System.nanoTime() - started) / 1e9);
      evalLoss = 0;
      evalCount = 0;
      return line;
    }

    String message(Step s) {
      return String.format(Locale.ROOT, "loss %.4f lr %.3g %.2f steps/s", smoothed, s.lr(),
          seen / ((System.nanoTime() - started) / 1e9));
    }
  }
}
