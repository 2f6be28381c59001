package io.nets4j.train;

import io.nets4j.distributed.DistributedGroup;
import io.nets4j.distributed.GradientReducer;
import io.nets4j.models.ImageClassifier;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Module;
import io.nets4j.nn.ReplicaSum;
import io.nets4j.tensor.Device;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Trains an {@link ImageClassifier}: the loop of forward pass, loss, backward pass, gradient
 * clipping and optimizer step over epochs of batches, with a learning-rate schedule, validation,
 * logs, plots and checkpoints in a run directory.
 *
 * <pre>{@code
 * Trainer trainer = new Trainer(model, "resnet18", TrainConfig.defaults(10))
 *     .runDirectory(Path.of("runs/demo")).classNames(classes);
 * TrainResult result = trainer.fit(trainBatches, valBatches);
 * }</pre>
 *
 * <p><b>Memory.</b> Every step runs inside its own {@link Scope}, which also owns the batch (the
 * batch source is read inside the scope), so native memory stays flat over any number of steps.
 *
 * <p><b>Reproducibility and resuming.</b> A fresh run seeds libtorch's generator with
 * {@link TrainConfig#seed}; the batch source is deterministic per epoch (see {@link BatchSource}).
 * A checkpoint holds weights, optimizer state, the generator state, the position (epoch, batch,
 * step) and the running sums of the epoch in progress, so that {@link #resumeFrom} continues with
 * exactly the losses an uninterrupted run has.
 *
 * <p><b>Stopping.</b> {@link #requestStop} (also called by the JVM shutdown hook on Ctrl-C when
 * {@link #installShutdownHook} is on) lets the current step finish, saves a checkpoint and
 * returns from {@link #fit}; the hook waits for that before the JVM exits.
 *
 * <p><b>Frozen layers.</b> A batch-norm layer whose parameters are all frozen (a frozen backbone
 * when fine-tuning) runs in evaluation mode: it normalises with, and keeps, its running statistics
 * instead of re-estimating them from the new data.
 *
 * <p><b>Data parallel.</b> With {@link #distributed} every process of a job runs this trainer on
 * its shard of the data (see {@link DataSpec.Opened#trainBatches(int, int, long, double, double,
 * int, int)}), as {@code torch.nn.parallel.DistributedDataParallel} does: before training the
 * ranks check that they build the same model with the same settings, and rank 0's parameters and
 * buffers are broadcast to all; every step broadcasts rank 0's buffers (batch-norm statistics,
 * DDP's {@code broadcast_buffers=True}), averages the gradients during backward through
 * libtorch's {@code c10d::Reducer} ({@link GradientReducer}) and sums loss, accuracy and images
 * over the ranks, so that the logged numbers are the whole job's. Validation runs on rank 0
 * alone; the decisions that depend on it (best checkpoint, early stopping) and on a stop request
 * are shared, so that all ranks take the same path. Only the process given a
 * {@link #runDirectory} (rank 0) writes files.
 */
public final class Trainer {
  /** Sees every optimizer step (on the training thread). */
  @FunctionalInterface
  public interface StepListener {
    void onStep(StepRecord step);
  }

  /** How epoch progress is shown. */
  public enum ProgressMode {
    /** A progress bar on a terminal, plain lines when the output is not a terminal. */
    AUTO,
    /** Always a progress bar. */
    BAR,
    /** Plain lines at every tenth of an epoch. */
    PLAIN,
    /** Only the per-epoch lines. */
    NONE
  }

  /** How long the shutdown hook waits for the current step and the checkpoint. */

  private final ImageClassifier model;
  private final String modelName;
  private final TrainConfig config;
  private TrainingLoss loss;
  private Path runDir;
  private List<String> classNames;
  private float[] mean;
  private float[] std;
  private ProgressMode progress = ProgressMode.AUTO;
  private PrintStream out = System.out;
  private final List<StepListener> listeners = new ArrayList<>();
  private boolean shutdownHook;
  private Path resumeFrom;
  private boolean resumeWithOtherEpochs;
  private int keepSamples = 32;
  private DistributedGroup group;
  private long bucketBytes = GradientReducer.DEFAULT_BUCKET_BYTES;
  private boolean syncBatchNorm;
  private Device device = Device.CPU;
  private GradientReducer reducer;
  private List<Tensor> syncedBuffers = List.of();
  private boolean jobStop;

  private final StopSignal stop = new StopSignal();

  /**
   * @param model the model to train (in place)
   * @param modelName its registry name, recorded in checkpoints and checked on resume
   * @param config the run's settings
   */
  public Trainer(ImageClassifier model, String modelName, TrainConfig config) {
    if (model.numClasses() < 1) {
      throw new IllegalArgumentException("the model has no classifier (numClasses 0); give it one to train");
    }
    this.model = model;
    this.modelName = modelName;
    this.config = config;
    this.loss = TrainingLoss.forModel(model, config.labelSmoothing());
  }

  /**
   * Replaces the default loss: cross-entropy with the configured label smoothing, plus the
   * auxiliary classifiers' terms for models that have them ({@link TrainingLoss#forModel}).
   */
  public Trainer loss(TrainingLoss l) {
    this.loss = l;
    return this;
  }

  /** Where logs, checkpoints and plots go; without one nothing is written. */
  public Trainer runDirectory(Path dir) {
    this.runDir = dir;
    return this;
  }

  /** Class names for plots (default: the class indices). */
  public Trainer classNames(List<String> names) {
    if (names.size() != model.numClasses()) {
      throw new IllegalArgumentException(names.size() + " class names for a model with " + model.numClasses()
          + " classes");
    }
    this.classNames = List.copyOf(names);
    return this;
  }

  /** The per-channel normalisation of the images, undone to draw sample predictions. */
  public Trainer normalization(float[] mean, float[] std) {
    this.mean = mean.clone();
    this.std = std.clone();
    return this;
  }

  public Trainer progress(ProgressMode mode) {
    this.progress = mode;
    return this;
  }

  /** Where progress and per-epoch lines are printed (default {@code System.out}). */
  public Trainer output(PrintStream stream) {
    this.out = stream;
    return this;
  }

  public Trainer onStep(StepListener listener) {
    listeners.add(listener);
    return this;
  }

  /** Whether Ctrl-C (JVM shutdown) saves a checkpoint before the process exits (off by default). */
  public Trainer installShutdownHook(boolean on) {
    this.shutdownHook = on;
    return this;
  }

  /**
   * Continues the run of a checkpoint (a run directory, a checkpoint directory or its JSON file)
   * with the same settings, so that it goes on exactly as the uninterrupted run would have.
   */
  public Trainer resumeFrom(Path checkpoint) {
    return resumeFrom(checkpoint, false);
  }

  /**
   * Like {@link #resumeFrom(Path)}; with {@code otherEpochs} the run may have another number of
   * epochs than the checkpoint's (to train further): the learning-rate schedule is then rebuilt
   * for the new length from the current step on, so the numbers differ from a run planned with
   * that length from the start.
   */
  public Trainer resumeFrom(Path checkpoint, boolean otherEpochs) {
    this.resumeFrom = checkpoint;
    this.resumeWithOtherEpochs = otherEpochs;
    return this;
  }

  /** How many validation images are kept with their predictions for the picture (default 32). */
  public Trainer keepSamples(int n) {
    this.keepSamples = n;
    return this;
  }

  /**
   * Trains data-parallel as one rank of {@code group}; gradients are averaged in buckets of about
   * {@code bucketBytes} ({@link GradientReducer#DEFAULT_BUCKET_BYTES} as DDP's 25 MiB). Give the
   * run directory to rank 0 only, and each rank its shard of the training data.
   */
  public Trainer distributed(DistributedGroup g, long bucketBytes) {
    if (bucketBytes < 1) {
      throw new IllegalArgumentException("the gradient bucket size must be positive, got " + bucketBytes + " bytes");
    }
    this.group = g;
    this.bucketBytes = bucketBytes;
    return this;
  }

  /**
   * With {@link #distributed}: batch norms normalise with the statistics of the whole job's batch
   * ({@code torch.nn.SyncBatchNorm}), so that the job trains as one process with the job's batch.
   */
  public Trainer syncBatchNorm(boolean on) {
    this.syncBatchNorm = on;
    return this;
  }

  /** Where the model and its batches live (default the CPU); checked against the loaded natives when the fit starts. */
  public Trainer device(Device d) {
    this.device = d;
    return this;
  }

  /** Asks the running {@link #fit} to stop after the current step, saving a checkpoint. */
  public void requestStop() {
    stop.request();
  }

  /**
   * What the shutdown hook does: {@link #requestStop} and wait until {@link #fit} has returned
   * (its checkpoint written), at most {@code timeout}. Returns whether it finished in time;
   * returns at once if no fit is running.
   */
  public boolean stopAndWait(Duration timeout) {
    return stop.stopAndWait(timeout);
  }


  /**
   * Trains for the configured epochs (or until early stopping or a stop request).
   *
   * @param train the training batches
   * @param validation the validation batches, or {@code null} for none
   */
  public TrainResult fit(BatchSource train, BatchSource validation) {
    return stop.during(shutdownHook, "nets4j-train-shutdown", () -> run(train, validation));
  }


  /** The mutable position of a run. */
  private static final class State {
    int epoch;
    int batch;
    long step;
    CheckpointInfo.EpochProgress progress = CheckpointInfo.EpochProgress.ZERO;
    Double best;
    int bestEpoch;
    int withoutImprovement;
    List<EpochRecord> history = new ArrayList<>();
    Path bestCheckpoint;
    Path lastCheckpoint;
  }

  private TrainResult run(BatchSource train, BatchSource validation) {
    int perEpoch = train.batchesPerEpoch();
    if (perEpoch < 1) {
      throw new IllegalArgumentException("the training data has no batches");
    }
    if (config.patience() > 0 && validation == null) {
      throw new IllegalArgumentException("early stopping needs validation data");
    }
    LrSchedule schedule = config.schedule().build(perEpoch, config.epochs());
    if (!device.require().isCpu()) {
      if (config.bf16()) {
        TrainingEngine.checkBf16(device);
      }
      model.to(device.toString());
    }
    TorchOptimizer optimizer = config.optimizer().build(model);
    OptimizerStep update = new OptimizerStep(optimizer, schedule, config.clipGradNorm(), config.bf16());
    State st = new State();
    if (resumeFrom != null) {
      resume(st, optimizer);
    } else {
      torch.manual_seed(config.seed());
    }
    if (group != null) {
      joinJob(perEpoch, st.step);
    }
    RunLog log = null;
    if (runDir != null) {
      try {
        Files.createDirectories(runDir);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the run directory " + runDir + " (" + e + ")", e);
      }
      for (Path leftover : Checkpoints.removeTemporaries(runDir)) {
        out.println("removed " + leftover + ", left half-written by a process that was killed");
      }
      log = new RunLog(runDir);
      log.truncate(st.history, st.step);
    }
    out.printf(Locale.ROOT, "training %s (%,d trainable parameters) for %d epochs of %d steps: %s, %s%s%s%s%n",
        modelName, trainableCount(), config.epochs(), perEpoch, optimizer.spec().describe(), schedule.describe(),
        config.labelSmoothing() > 0 ? ", label smoothing " + config.labelSmoothing() : "",
        config.clipGradNorm() > 0 ? ", gradient clipping at " + config.clipGradNorm() : "",
        config.bf16() ? ", bfloat16 autocast" : "");
    Evaluation lastEval = null;
    boolean early = false;
    boolean stopped = false;
    for (int epoch = st.epoch; epoch < config.epochs() && !stopped && !early; epoch++) {
      boolean resumedEpoch = epoch == st.epoch;
      int first = resumedEpoch ? st.batch : 0;
      EpochRun e = new EpochRun(resumedEpoch ? st.progress : CheckpointInfo.EpochProgress.ZERO, log);
      setTrainingMode(model);
      String title = String.format(Locale.ROOT, "epoch %d/%d", epoch + 1, config.epochs());
      int b = first;
      try (BatchStream batches = train.open(epoch, first);
          Progress bar = Progress.create(progress, out, title, perEpoch, first)) {
        while (b < perEpoch && batches.hasNext()) {
          StepRecord r = step(update, batches, st.step, epoch, b, perEpoch, st.lastCheckpoint);
          st.step++;
          b++;
          e.add(r, st.step);
          for (StepListener l : listeners) {
            l.onStep(r);
          }
          bar.update(b, e.message(r.lr()));
          if ((group == null ? stop.requested() : jobStop) && b < perEpoch) {
            stopped = true;
            break;
          }
        }
      }
      if (stopped) {
        if (runDir != null) {
          st.lastCheckpoint = save(optimizer, schedule, st, epoch, b, e.progress());
          out.printf(Locale.ROOT, "stopped at step %d (epoch %d, batch %d of %d); checkpoint %s%n", st.step,
              epoch + 1, b, perEpoch, st.lastCheckpoint);
        } else {
          out.printf(Locale.ROOT, "stopped at step %d (epoch %d, batch %d of %d)%n", st.step, epoch + 1, b, perEpoch);
        }
        break;
      }
      e.finishTraining();
      if (b < perEpoch) {
        throw new IllegalStateException("the training data gave " + b + " batches in epoch " + (epoch + 1)
            + " but announced " + perEpoch);
      }
      Evaluation ev = validation == null || (group != null && !group.isMaster()) ? null
          : Evaluator.evaluate(model, validation, model.numClasses(), config.bf16(), keepSamples, device);
      Double monitored = ev == null ? null : config.monitor().of(ev);
      if (group != null && validation != null) {
        monitored = shareFromMaster(monitored == null ? Double.NaN : monitored);
      }
      EpochRecord record = e.record(epoch, st.step, ev);
      st.history.add(record);
      if (log != null) {
        log.epoch(record);
      }
      out.println(line(record));
      boolean improved = false;
      if (monitored != null) {
        double m = monitored;
        if (st.best == null || config.monitor().better(m, st.best)) {
          st.best = m;
          st.bestEpoch = epoch + 1;
          st.withoutImprovement = 0;
          improved = true;
        } else {
          st.withoutImprovement++;
        }
      }
      if (runDir != null) {
        st.lastCheckpoint = save(optimizer, schedule, st, epoch + 1, 0, CheckpointInfo.EpochProgress.ZERO);
        if (improved) {
          st.bestCheckpoint = st.lastCheckpoint;
          Checkpoints.writePointer(st.lastCheckpoint.getParent().resolve(Checkpoints.BEST),
              st.lastCheckpoint.getFileName().toString(), Checkpoints.info(st.lastCheckpoint));
        }
        Checkpoints.prune(st.lastCheckpoint.getParent(), config.keepCheckpoints(), st.bestCheckpoint);
        Plots.lossCurves(st.history, runDir.resolve("plots").resolve("loss.png"));
        Plots.accuracyCurves(st.history, runDir.resolve("plots").resolve("accuracy.png"));
      }
      lastEval = ev;
      if (config.patience() > 0 && st.withoutImprovement >= config.patience()) {
        early = true;
        out.printf(Locale.ROOT, "early stopping: %s has not improved for %d epochs (best %.4f at epoch %d)%n",
            config.monitor().name().toLowerCase(Locale.ROOT), st.withoutImprovement, st.best, st.bestEpoch);
      }
      if (anyRankStops() && epoch + 1 < config.epochs()) {
        stopped = true;
        out.printf(Locale.ROOT, "stopped after epoch %d; checkpoint %s%n", epoch + 1, st.lastCheckpoint);
      }
    }
    if (runDir != null && lastEval != null) {
      writeEvaluation(lastEval);
    }
    return new TrainResult(List.copyOf(st.history), lastEval, st.step, stopped, early, st.lastCheckpoint,
        st.bestCheckpoint);
  }

  /**
   * Checks that every rank trains the same model with the same settings from the same position,
   * then gives all of them rank 0's parameters and buffers and sets up the gradient reduction.
   */
  private void joinJob(int perEpoch, long step) {
    StringBuilder what = new StringBuilder(modelName).append('|').append(config)
        .append("|steps per epoch ").append(perEpoch).append("|at step ").append(step).append("|sync batch norm ")
        .append(syncBatchNorm);
    List<Tensor> all = new ArrayList<>();
    for (Map.Entry<String, Tensor> p : model.namedParameters().entrySet()) {
      what.append('|').append(p.getKey()).append(Arrays.toString(p.getValue().sizes().vec().get()))
          .append(p.getValue().scalar_type()).append(p.getValue().requires_grad());
      all.add(p.getValue());
    }
    for (Map.Entry<String, Tensor> b : model.namedBuffers().entrySet()) {
      what.append('|').append(b.getKey()).append(Arrays.toString(b.getValue().sizes().vec().get()));
      all.add(b.getValue());
    }
    group.agree("model_and_settings", sha256(what.toString()) + " (" + modelName + ", "
        + model.namedParameters().size() + " parameters, step " + step + ")");
    try (NoGradGuard g = new NoGradGuard()) {
      group.broadcast(all, 0);
    }
    syncedBuffers = List.copyOf(model.namedBuffers().values());
    if (syncBatchNorm) {
      ReplicaSum sum = group.replicaSum();
      for (Module m : model.namedModules().values()) {
        if (m instanceof BatchNorm2d bn) {
          bn.synchronize(sum);
        }
      }
    }
    List<Tensor> trainable = new ArrayList<>();
    for (Tensor p : model.namedParameters().values()) {
      if (p.requires_grad()) {
        trainable.add(p);
      }
    }
    reducer = new GradientReducer(group, trainable, bucketBytes);
  }

  private static String sha256(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Rank 0's value of {@code v} on every rank. */
  private Double shareFromMaster(double v) {
    try (Scope s = Scope.open()) {
      Tensor t = Tensors.fromDoubles(new double[] {v}, 1);
      group.broadcast(List.of(t), 0);
      double shared = t.item_double();
      return Double.isNaN(shared) ? null : shared;
    }
  }

  /** Whether a stop was requested in this process or, in a job, in any rank. */
  private boolean anyRankStops() {
    if (group == null) {
      return stop.requested();
    }
    try (Scope s = Scope.open()) {
      Tensor t = Tensors.fromDoubles(new double[] {stop.requested() ? 1 : 0}, 1);
      group.allreduceSum(t);
      return t.item_double() > 0;
    }
  }

  private long trainableCount() {
    long n = 0;
    for (Tensor p : model.namedParameters().values()) {
      if (p.requires_grad()) {
        n += p.numel();
      }
    }
    return n;
  }

  /** One optimizer step on the next batch, inside its own scope. */
  private StepRecord step(OptimizerStep update, BatchStream batches, long step, int epoch, int b, int perEpoch,
      Path lastCheckpoint) {
    try (Scope s = Scope.open()) {
      LabeledBatch batch = batches.next().on(device);
      double lr = update.setLr(step);
      if (group != null) {
        try (NoGradGuard g = new NoGradGuard()) {
          group.broadcast(syncedBuffers, 0);
        }
        reducer.beforeForward();
      }
      TrainingLoss.Output o = update.forward(() -> loss.compute(model, batch.images(), batch.labels()));
      double value = o.loss().item_double();
      long correct = o.logits().argmax(new LongOptional(1), false).eq(batch.classIndices()).sum().item_long();
      int images = batch.size();
      if (group != null) {
        // the whole job's numbers, and one decision for all ranks on skipping and stopping
        Tensor sums = Tensors.fromDoubles(new double[] {value, correct, images, stop.requested() ? 1 : 0}, 4);
        group.allreduceSum(sums);
        double[] total = Tensors.toDoubleArray(sums);
        value = total[0] / group.worldSize();
        correct = Math.round(total[1]);
        images = (int) Math.round(total[2]);
        jobStop = total[3] > 0;
      }
      if (!Double.isFinite(value)) {
        return nonFinite("the loss is " + value, step, epoch, b, perEpoch, lr, images, lastCheckpoint);
      }
      double norm = update.backward(o.loss(), this::backward);
      if (update.badNorm(norm)) {
        return nonFinite("the gradient norm is " + norm + " (loss " + value + ")", step, epoch, b, perEpoch, lr,
            images, lastCheckpoint);
      }
      update.step();
      return new StepRecord(step, epoch, b, value, correct, images, lr, norm, false);
    }
  }

  /** The backward pass; in a job, through the gradient reducer (which averages during it). */
  private void backward(Tensor lossValue) {
    if (reducer == null) {
      lossValue.backward();
      return;
    }
    reducer.beforeBackward(lossValue);
    try {
      lossValue.backward();
    } catch (RuntimeException e) {
      throw reducer.failure(e);
    }
  }

  private StepRecord nonFinite(String what, long step, int epoch, int b, int perEpoch, double lr, int images,
      Path lastCheckpoint) {
    String where = String.format(Locale.ROOT, "%s at step %d (epoch %d, batch %d of %d, lr %.4g)", what, step + 1,
        epoch + 1, b + 1, perEpoch, lr);
    if (config.onNonFinite() == TrainConfig.NonFinitePolicy.FAIL) {
      throw new NonFiniteLossException(where + "; the weights were not updated. Lower the learning rate, clip "
          + "gradients, or skip such steps" + (lastCheckpoint == null ? "" : "; the last checkpoint is "
          + lastCheckpoint), step, epoch, b);
    }
    out.println("warning: " + where + "; step skipped");
    return new StepRecord(step, epoch, b, Double.NaN, 0, images, lr, Double.NaN, true);
  }

  /** The running sums and logging of one epoch. */
  private final class EpochRun {
    private final long start = System.nanoTime();
    private final CheckpointInfo.EpochProgress before;
    private final RunLog log;
    private double lossSum;
    private long correct;
    private long images;
    private long steps;
    private long skipped;
    private double windowLoss;
    private long windowCorrect;
    private long windowImages;
    private long windowSteps;
    private long windowStart = System.nanoTime();
    private double lastLr = Double.NaN;
    private long trainEnd;

    EpochRun(CheckpointInfo.EpochProgress before, RunLog log) {
      this.before = before;
      this.log = log;
    }

    void add(StepRecord r, long stepsDone) {
      steps++;
      lastLr = r.lr();
      if (r.skipped()) {
        skipped++;
        return;
      }
      lossSum += r.loss();
      correct += r.correct();
      images += r.images();
      windowLoss += r.loss();
      windowCorrect += r.correct();
      windowImages += r.images();
      windowSteps++;
      if (log != null && config.logEverySteps() > 0 && stepsDone % config.logEverySteps() == 0 && windowSteps > 0) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("step", stepsDone);
        line.put("epoch", r.epoch() + 1);
        line.put("batch", r.batch() + 1);
        line.put("loss", windowLoss / windowSteps);
        line.put("acc", (double) windowCorrect / windowImages);
        line.put("lr", r.lr());
        if (!Double.isNaN(r.gradNorm())) {
          line.put("grad_norm", r.gradNorm());
        }
        line.put("images_per_second", windowImages / ((System.nanoTime() - windowStart) / 1e9));
        log.step(line);
        windowLoss = 0;
        windowCorrect = 0;
        windowImages = 0;
        windowSteps = 0;
        windowStart = System.nanoTime();
      }
    }

    CheckpointInfo.EpochProgress progress() {
      return new CheckpointInfo.EpochProgress(before.lossSum() + lossSum, before.correct() + correct,
          before.images() + images, before.steps() + steps, before.skipped() + skipped, before.seconds() + seconds());
    }

    /** Ends the training part of the epoch (validation time is not training time). */
    void finishTraining() {
      trainEnd = System.nanoTime();
    }

    private double seconds() {
      return ((trainEnd != 0 ? trainEnd : System.nanoTime()) - start) / 1e9;
    }

    String message(double lr) {
      CheckpointInfo.EpochProgress p = progress();
      long good = p.steps() - p.skipped();
      return String.format(Locale.ROOT, "loss %.4f acc %5.1f%% %.0f img/s lr %.3g", good == 0 ? Double.NaN
          : p.lossSum() / good, p.images() == 0 ? 0 : 100.0 * p.correct() / p.images(), images / seconds(), lr);
    }

    EpochRecord record(int epoch, long step, Evaluation ev) {
      CheckpointInfo.EpochProgress p = progress();
      long good = p.steps() - p.skipped();
      double trainSeconds = p.seconds();
      return new EpochRecord(epoch + 1, step, good == 0 ? Double.NaN : p.lossSum() / good,
          p.images() == 0 ? 0 : (double) p.correct() / p.images(), ev == null ? null : ev.loss(),
          ev == null ? null : ev.top1(), ev == null ? null : ev.topK(), lastLr,
          before.seconds() + (System.nanoTime() - start) / 1e9,
          trainSeconds > 0 ? p.images() / trainSeconds : 0, p.skipped());
    }
  }

  private static String line(EpochRecord r) {
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "epoch %d  train loss %.4f acc %5.1f%%", r.epoch(),
        r.trainLoss(), 100 * r.trainAccuracy()));
    if (r.valLoss() != null) {
      s.append(String.format(Locale.ROOT, "  val loss %.4f top-1 %5.1f%% top-5 %5.1f%%", r.valLoss(),
          100 * r.valTop1(), 100 * r.valTop5()));
    }
    s.append(String.format(Locale.ROOT, "  lr %.4g  %.1f s  %.0f img/s", r.lr(), r.seconds(), r.imagesPerSecond()));
    if (r.skippedSteps() > 0) {
      s.append("  skipped ").append(r.skippedSteps()).append(" steps");
    }
    return s.toString();
  }

  private Path save(TorchOptimizer optimizer, LrSchedule schedule, State st, int epoch, int batch,
      CheckpointInfo.EpochProgress progress) {
    CheckpointInfo info = new CheckpointInfo(Checkpoints.FORMAT, modelName, epoch, batch, st.step, config,
        schedule.describe(), optimizer.layout(), progress, st.best, st.bestEpoch, st.withoutImprovement,
        List.copyOf(st.history));
    return Checkpoints.save(runDir.resolve(Checkpoints.DIRECTORY), model, optimizer, info);
  }

  private void resume(State st, TorchOptimizer optimizer) {
    Path checkpoint = Checkpoints.resolve(resumeFrom);
    CheckpointInfo info = Checkpoints.info(checkpoint);
    if (!info.model().equals(modelName)) {
      throw new IllegalArgumentException("the checkpoint " + checkpoint + " is of model '" + info.model()
          + "', not '" + modelName + "'");
    }
    List<String> differences = differences(info.config(), resumeWithOtherEpochs
        ? config.toBuilder().epochs(info.config().epochs()).build() : config);
    if (!differences.isEmpty()) {
      throw new IllegalArgumentException("the checkpoint " + checkpoint + " was made with other settings ("
          + String.join(", ", differences) + "); a resumed run must use the run's settings to continue it exactly");
    }
    if (info.epoch() >= config.epochs()) {
      throw new IllegalArgumentException("the checkpoint " + checkpoint + " is at the end of epoch " + info.epoch()
          + "; the run has " + config.epochs() + " epochs (raise the number of epochs to train further)");
    }
    if (info.config().epochs() != config.epochs()) {
      out.printf(Locale.ROOT, "note: the run had %d epochs, now %d; the learning-rate schedule is rebuilt for %d%n",
          info.config().epochs(), config.epochs(), config.epochs());
    }
    Checkpoints.restore(checkpoint, info, model, optimizer);
    st.epoch = info.epoch();
    st.batch = info.batch();
    st.step = info.step();
    st.progress = info.epochProgress();
    st.best = info.bestMetric();
    st.bestEpoch = info.bestEpoch();
    st.withoutImprovement = info.epochsWithoutImprovement();
    st.history = new ArrayList<>(info.history());
    st.lastCheckpoint = checkpoint;
    Path best = checkpoint.getParent().resolve(Checkpoints.BEST);
    if (Files.exists(best)) {
      st.bestCheckpoint = Checkpoints.resolveBest(checkpoint.getParent());
    }
    out.printf(Locale.ROOT, "resumed from %s: epoch %d, batch %d, step %d%n", checkpoint, info.epoch() + 1,
        info.batch(), info.step());
  }

  /** The settings that change a run's numbers, where {@code saved} and {@code now} differ. */
  static List<String> differences(TrainConfig saved, TrainConfig now) {
    List<String> d = new ArrayList<>();
    if (!saved.optimizer().equals(now.optimizer())) {
      d.add("optimizer " + saved.optimizer().describe() + " vs " + now.optimizer().describe());
    }
    if (!saved.schedule().equals(now.schedule())) {
      d.add("schedule " + saved.schedule() + " vs " + now.schedule());
    }
    if (saved.epochs() != now.epochs() && saved.schedule().kind() != ScheduleSpec.Kind.CONSTANT) {
      d.add("epochs " + saved.epochs() + " vs " + now.epochs() + " (the schedule depends on them)");
    }
    if (saved.labelSmoothing() != now.labelSmoothing()) {
      d.add("label smoothing " + saved.labelSmoothing() + " vs " + now.labelSmoothing());
    }
    if (saved.clipGradNorm() != now.clipGradNorm()) {
      d.add("gradient clipping " + saved.clipGradNorm() + " vs " + now.clipGradNorm());
    }
    if (saved.bf16() != now.bf16()) {
      d.add("bf16 " + saved.bf16() + " vs " + now.bf16());
    }
    if (saved.seed() != now.seed()) {
      d.add("seed " + saved.seed() + " vs " + now.seed());
    }
    return d;
  }

  /** Switches to training mode, except batch norms whose parameters are all frozen (see the class comment). */
  static void setTrainingMode(Module model) {
    model.train();
    for (Module m : model.namedModules().values()) {
      if (m.children().isEmpty() && !m.ownParameters().isEmpty() && !m.namedBuffers().isEmpty()
          && m.ownParameters().values().stream().noneMatch(Tensor::requires_grad)) {
        m.eval();
      }
    }
  }

  private void writeEvaluation(Evaluation ev) {
    List<String> names = classNames != null ? classNames : indexNames(model.numClasses());
    Path plots = runDir.resolve("plots");
    Plots.confusionMatrix(ev.confusion(), names, plots.resolve("confusion.png"));
    if (!ev.samples().isEmpty()) {
      int c = ev.samples().get(0).image().channels();
      float[] m = mean != null ? mean : new float[c];
      float[] s = std != null ? std : filled(c, 1f);
      if (m.length == c) {
        Plots.predictionGrid(ev.samples(), names, m, s, plots.resolve("predictions.png"));
      }
    }
    EvaluationReport.write(ev, names, runDir.resolve("evaluation.json"));
  }

  static List<String> indexNames(int n) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      names.add(Integer.toString(i));
    }
    return names;
  }

  private static float[] filled(int n, float v) {
    float[] a = new float[n];
    Arrays.fill(a, v);
    return a;
  }
}
