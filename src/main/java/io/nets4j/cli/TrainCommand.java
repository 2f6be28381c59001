package io.nets4j.cli;

import io.nets4j.distributed.DistributedBackend;
import io.nets4j.distributed.DistributedConfig;
import io.nets4j.distributed.DistributedGroup;
import io.nets4j.distributed.Launcher;
import io.nets4j.distributed.ProcessGroups;
import io.nets4j.io.LoadReport;
import io.nets4j.models.ImageClassifier;
import io.nets4j.models.ModelOptions;
import io.nets4j.models.Models;
import io.nets4j.nn.Checks;
import io.nets4j.nn.Limits;
import io.nets4j.train.AtomicFiles;
import io.nets4j.train.Checkpoints;
import io.nets4j.train.DataSpec;
import io.nets4j.train.FineTuning;
import io.nets4j.train.OptimizerSpec;
import io.nets4j.train.RunInfo;
import io.nets4j.train.TrainConfig;
import io.nets4j.train.TrainResult;
import io.nets4j.train.Trainer;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code nets4j train}: trains a registered model on a data set, into a run directory with logs,
 * plots and checkpoints. Without arguments it trains a ResNet-18 on the synthetic shapes (no
 * download) in a few minutes.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Train a model; everything goes to a run directory: run.json (settings), metrics.jsonl and "
        + "steps.jsonl (logs), plots/*.png (curves, confusion matrix, sample predictions), evaluation.json and "
        + "checkpoints/. Without arguments: ResNet-18 on 4,000 generated 64x64 shape images (6 classes), 3 epochs.",
        "Ctrl-C saves a checkpoint after the current step; --resume RUN continues exactly where it stopped.",
        "Without --lr or --weight-decay: SGD 0.05 and 5e-4, AdamW 0.001 and 0.05 (biases and norm parameters are not "
            + "decayed). --size 0: the data's own side (shapes 64, patterns 32, photographs 224).",
        "Data parallel (docs/distributed.md): --nproc-per-node N starts N worker processes on this machine; with "
            + "--nnodes K --node-rank R --master-addr HOST --master-port P they join a job of K machines. A process "
            + "started with torchrun's variables (WORLD_SIZE, RANK, MASTER_ADDR, MASTER_PORT) is a worker.", ""})
final class TrainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin DataOption data = new DataOption("shapes");

  @Mixin ModelOption model = new ModelOption("resnet18");

  @Mixin BatchOption batch = new BatchOption(32);

  @Mixin OptimizerOptions optimizer = new OptimizerOptions();

  @Mixin ScheduleOptions schedule = new ScheduleOptions();

  @Mixin SeedOption seed = new SeedOption(0);

  @Mixin SizeOption size = new SizeOption(0);

  /** Start from these weights; the classifier may have another number of classes. */
  @Mixin WeightsOption weights = new WeightsOption();

  /** The parent of the run directory. */
  @Mixin OutOption out = new OutOption("runs");

  /** Per process; 0 = libtorch's default, or cores / N with --nproc-per-node. */
  @Mixin ThreadsOption threads = new ThreadsOption(0);

  @Option(names = "--epochs", defaultValue = "3", description = "epochs (default: ${DEFAULT-VALUE})") int epochs;

  @Option(names = "--lr", paramLabel = "RATE",
      description = "base learning rate; 0 = the optimizer's (default: ${DEFAULT-VALUE})") double lr;

  @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE})") double momentum;

  @Option(names = "--nesterov", description = "SGD with Nesterov momentum") boolean nesterov;

  @Option(names = "--label-smoothing", defaultValue = "0", description = "label smoothing (default: ${DEFAULT-VALUE})") double labelSmoothing;

  @Option(names = "--mixup", defaultValue = "0", paramLabel = "ALPHA",
      description = "mixup with Beta(ALPHA, ALPHA); 0 = off (default: ${DEFAULT-VALUE})") double mixup;

  @Option(names = "--random-erasing", defaultValue = "0", paramLabel = "P", description = "random erasing (Zhong et "
      + "al. 2020) of each training image with probability P; 0 = off (default: ${DEFAULT-VALUE})") double randomErasing;

  @Option(names = "--cutmix", defaultValue = "0", paramLabel = "ALPHA",
      description = "CutMix with Beta(ALPHA, ALPHA); 0 = off (default: ${DEFAULT-VALUE})") double cutmix;

  @Option(names = "--clip-grad", defaultValue = "0", paramLabel = "NORM",
      description = "clip the gradient norm at NORM; 0 = off (default: ${DEFAULT-VALUE})") double clipGrad;

  @Option(names = "--bf16", description = "bfloat16 autocast for the forward passes (weights stay float32)") boolean bf16;

  @Option(names = "--workers", description = "data loader threads (default: 0 for generated data, else 2)") Integer workers;

  @Option(names = "--train-size", defaultValue = "0",
      description = "synthetic: images to generate (shapes 4000); files: a random subset (0 = all)") int trainSize;

  @Option(names = "--val-size", defaultValue = "0",
      description = "synthetic: validation images (shapes 1000); files: a random subset (0 = all)") int valSize;

  @Option(names = "--val-fraction", defaultValue = "0.1",
      description = "validation share of data without a split (default: ${DEFAULT-VALUE})") double valFraction;

  @Option(names = "--drop-rate", defaultValue = "-1", description = "dropout before the classifier; -1 = the model's default") double dropRate;

  @Option(names = "--drop-path", defaultValue = "-1", description = "stochastic depth rate; -1 = the model's default") double dropPath;

  @Option(names = "--lenient-weights",
      description = "with --weights: load what matches instead of requiring every tensor outside the classifier") boolean lenientWeights;

  @Option(names = "--freeze-backbone", description = "train only the classifier (frozen batch norms keep their statistics)") boolean freezeBackbone;

  @Option(names = "--patience", defaultValue = "0", description = "early stopping after this many epochs without improvement; 0 = off") int patience;

  @Option(names = "--monitor", defaultValue = "val_top1", paramLabel = "val_top1|val_loss",
      description = "metric for early stopping and the best checkpoint (default: ${DEFAULT-VALUE})") String monitor;

  @Option(names = "--on-nan", defaultValue = "fail", paramLabel = "fail|skip",
      description = "a NaN/infinite loss stops the run with an error, or skips the step (default: ${DEFAULT-VALUE})") String onNan;

  @Option(names = "--log-every", defaultValue = "50", paramLabel = "STEPS",
      description = "a line in steps.jsonl every STEPS steps; 0 = off (default: ${DEFAULT-VALUE})") int logEvery;

  @Option(names = "--keep", defaultValue = "2", description = "checkpoints kept besides the best (default: ${DEFAULT-VALUE})") int keep;

  @Option(names = "--progress", defaultValue = "auto", paramLabel = "auto|bar|plain|none",
      description = "progress display; auto = a bar on a terminal, plain lines otherwise (default: ${DEFAULT-VALUE})") String progress;

  @Option(names = "--name", description = "run directory name (default: DATE-TIME-MODEL-DATA)") String name;

  @Mixin DeviceOption deviceOption;

  @Option(names = "--resume", paramLabel = "RUN|CHECKPOINT",
      description = "continue a run from its latest (or the given) checkpoint, with its settings (--epochs may extend it)") Path resume;

  @Mixin DataParallelOptions parallel;

  /**
   * Options that a resumed run may change: they do not change its numbers (the data-parallel ones
   * are checked against the run's process count where the job starts).
   */
  private static final Set<String> RESUME_OPTIONS = Set.of("--resume", "--epochs", "--progress", "--workers",
      "--nproc-per-node", "--nnodes", "--node-rank", "--master-addr", "--master-port", "--threads", "--bucket-cap-mb",
      "--dist-timeout", "--dist-backend", "--device");

  @Override
  public Integer call() {
    validate();
    deviceOption.device(); // a device the natives lack fails here, before a run directory or a worker exists
    DistributedBackend backend = parallel.backend();
    Optional<DistributedConfig> worker = DistributedConfig.fromEnvironment(System.getenv(), backend);
    if (worker.isEmpty() && parallel.nprocPerNode > 0) {
      return launch(backend);
    }
    threads.apply();
    DistributedGroup group = null;
    if (worker.isPresent()) {
      Launcher.exitWithLauncher(System.getenv());
      group = ProcessGroups.connect(worker.get());
    }
    return train(group);
  }

  /** Starts this machine's workers with the same arguments, and waits for them. */
  private int launch(DistributedBackend backend) {
    Launcher launcher = parallel.launcher();
    List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
    var matched = spec.commandLine().getParseResult();
    if (!matched.hasMatchedOption("--threads")) {
      args.add("--threads");
      args.add(Integer.toString(Math.max(1, Runtime.getRuntime().availableProcessors() / parallel.nprocPerNode)));
    }
    int code = launcher.run(Main.class.getName(), args, backend, System.out);
    if (code == Launcher.INTERRUPTED) {
      return code;
    }
    if (code != 0) {
      throw new IllegalStateException("the job failed: a worker exited with code " + code + " (see its messages above)");
    }
    return 0;
  }

  private int train(DistributedGroup group) {
    boolean master = group == null || group.isMaster();
    int world = group == null ? 1 : group.worldSize();
    PrintStream out = master ? System.out : new PrintStream(OutputStream.nullOutputStream());
    RunInfo run;
    Path runDir;
    Path checkpoint = null;
    DataSpec.Opened opened;
    if (resume != null) {
      runDir = RunInfo.runDirectory(resume);
      run = RunInfo.read(runDir);
      refuseOtherSettings(run, runDir);
      if (!Checkpoints.hasCheckpoint(runDir)) {
        throw new IllegalArgumentException("the run " + runDir + " stopped before its first checkpoint, so there is"
            + " nothing to resume; start it again with the same --name (its directory is replaced)");
      }
      checkpoint = Checkpoints.resolve(resume);
      // the checkpoint's settings are the run's current ones (an earlier resume may have extended it)
      TrainConfig current = Checkpoints.info(checkpoint).config();
      run = withConfig(run, given("--epochs") ? current.toBuilder().epochs(epochs).build() : current);
      if (run.processes() != world) {
        throw new IllegalArgumentException("the run " + runDir + " was trained by " + run.processes() + " process"
            + (run.processes() == 1 ? "" : "es") + ", this job has " + world + "; resume it with the same number "
            + "(each process's share of the data depends on it)");
      }
      opened = DataSpec.parse(run.data()).open(run.dataOptions());
      if (!opened.classes().equals(run.classes())) {
        throw new IllegalArgumentException("the data " + run.data() + " now has classes " + opened.classes()
            + ", the run was trained on " + run.classes());
      }
    } else {
      DataSpec dataSpec = DataSpec.parse(data.value);
      ModelNames.requireClassifier(model.value); // before the data is read
      runDir = this.out.value.resolve(name != null ? name : defaultName());
      if (master) {
        refuseExisting(runDir);
      }
      DataSpec.Options dataOptions = new DataSpec.Options(size.value, trainSize, valSize, valFraction, seed.value);
      opened = dataSpec.open(dataOptions);
      run = newRun(dataSpec, dataOptions, opened, world);
    }
    if (group != null) {
      // a rank started with other options fails here, before any training, with what differs (the run
      // directory's name is rank 0's: only rank 0 writes, and machines' clocks give different default names)
      group.agree("run_settings", run.settingsJson());
    }
    torch.manual_seed(run.config().seed());
    ImageClassifier net = Models.create(run.model(), run.modelOptions());
    if (resume == null && run.weights() != null) {
      LoadReport report = FineTuning.loadPretrained(net, Path.of(run.weights()), !lenientWeights);
      out.println("weights " + report);
    }
    if (run.freezeBackbone()) {
      out.println("frozen backbone; training " + FineTuning.freezeBackbone(net));
    }
    boolean created = resume == null && master && !Files.exists(runDir);
    if (resume == null && master) {
      RunDirectories.create(runDir);
      run.write(runDir);
    }
    int loaderThreads = workers != null ? workers : run.data().startsWith("shapes") || run.data().startsWith("patterns") ? 0 : 2;
    Trainer trainer = new Trainer(net, run.model(), run.config()).runDirectory(master ? runDir : null)
        .classNames(run.classes()).normalization(run.mean(), run.std()).installShutdownHook(true).output(out)
        .device(deviceOption.device()).progress(master ? Trainer.ProgressMode.valueOf(progress.trim().toUpperCase(Locale.ROOT))
            : Trainer.ProgressMode.NONE);
    if (group != null) {
      trainer.distributed(group, parallel.bucketCapBytes()).syncBatchNorm(run.syncBatchNorm());
      out.printf(Locale.ROOT, "data parallel: %d processes (rank 0 of %s:%d), %d images per step (%d per process), "
          + "%d libtorch threads per process, gradient buckets of %s MB%n", world, group.config().masterAddr(),
          group.config().masterPort(), world * run.batchSize(), run.batchSize(), torch.get_num_threads(), parallel.bucketCapMb);
    }
    if (resume != null) {
      trainer.resumeFrom(checkpoint, given("--epochs"));
    }
    out.printf(Locale.ROOT, "run %s: %s on %s (%d training, %d validation images, %d classes, %dx%d)%n",
        runDir, run.model(), run.data(), opened.train().size(), opened.validation().size(), run.classes().size(),
        run.imageSize(), run.imageSize());
    opened = opened.withRandomErasing(run.randomErasing());
    int rank = group == null ? 0 : group.rank();
    TrainResult result;
    try {
      result = trainer.fit(opened.trainBatches(run.batchSize(), loaderThreads, run.config().seed(), run.mixup(),
          run.cutmix(), rank, world), opened.validationBatches(Math.max(run.batchSize(), 64), loaderThreads));
    } catch (RuntimeException | Error e) {
      // a run that never saved a checkpoint cannot be resumed: leave nothing that blocks a retry
      if (created && !Checkpoints.hasCheckpoint(runDir)) {
        AtomicFiles.deleteTree(runDir);
        System.err.println("removed " + runDir + ": the run failed before its first checkpoint");
      }
      throw e;
    }
    if (result.lastEvaluation() != null) {
      out.printf(Locale.ROOT, "validation top-1 %.2f%% (chance %.2f%%), top-%d %.2f%%, loss %.4f on %d images%n",
          100 * result.lastEvaluation().top1(), 100.0 / run.classes().size(), result.lastEvaluation().k(),
          100 * result.lastEvaluation().topK(), result.lastEvaluation().loss(), result.lastEvaluation().count());
    }
    out.println("run directory: " + runDir + (result.bestCheckpoint() != null ? " (best checkpoint "
        + runDir.toAbsolutePath().relativize(result.bestCheckpoint().toAbsolutePath()) + ")" : ""));
    if (result.stopped()) {
      out.println("stopped; continue with: nets4j train --resume " + runDir
          + (world > 1 ? " (with the same number of processes)" : ""));
    }
    return 0;
  }

  /** Every option checked before anything is read or created. */
  private void validate() {
    Checks.positive("--epochs", epochs);
    Checks.positive("--batch", batch.value);
    Checks.nonNegative("--lr", lr);
    Checks.nonNegative("--momentum", momentum);
    Checks.nonNegative("--weight-decay", optimizer.weightDecay(0));
    schedule.validate();
    Checks.range("--label-smoothing", labelSmoothing, 0, 0.999);
    Checks.nonNegative("--mixup", mixup);
    Checks.nonNegative("--cutmix", cutmix);
    Checks.probability("--random-erasing", randomErasing);
    Checks.nonNegative("--clip-grad", clipGrad);
    if (workers != null) {
      Checks.nonNegative("--workers", workers);
    }
    Checks.range("--size", size.value, 0, Limits.MAX_INPUT_SIDE);
    Checks.nonNegative("--train-size", trainSize);
    Checks.nonNegative("--val-size", valSize);
    Checks.range("--val-fraction", valFraction, 0.001, 0.999);
    if (dropRate != -1) {
      Checks.range("--drop-rate", dropRate, 0, 0.999);
    }
    if (dropPath != -1) {
      Checks.range("--drop-path", dropPath, 0, 0.999);
    }
    Checks.nonNegative("--patience", patience);
    Checks.nonNegative("--log-every", logEvery);
    Checks.positive("--keep", keep);
    if (name != null) {
      Checks.simpleName("--name", name);
    }
  }

  private boolean given(String option) {
    return spec.commandLine().getParseResult().hasMatchedOption(option);
  }

  /**
   * A resumed run keeps the settings of its {@code run.json} (its numbers depend on them): an option
   * given with another value is refused, each named with the run's value.
   */
  private void refuseOtherSettings(RunInfo run, Path runDir) {
    List<String> differ = new ArrayList<>();
    for (OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) {
      String option = o.longestName();
      if (RESUME_OPTIONS.contains(option)) {
        continue;
      }
      Object recorded = recorded(run, option);
      Object value = o.getValue();
      if (recorded == null || !same(value, recorded)) {
        differ.add(option + " " + String.join(" ", o.originalStringValues())
            + (recorded == null ? " (not a setting of a resumed run)" : " (the run has " + recorded + ")"));
      }
    }
    if (!differ.isEmpty()) {
      throw new IllegalArgumentException("--resume continues " + runDir + " with the settings of its " + RunInfo.FILE
          + "; these options differ: " + String.join(", ", differ) + ". Only --epochs, --workers and --progress may"
          + " change; start a new run (another --name) for other settings");
    }
  }

  /** The run's value of a setting option, or {@code null} for an option that is not one. */
  private static Object recorded(RunInfo r, String option) {
    TrainConfig c = r.config();
    return switch (option) {
      case "--data" -> r.data();
      case "--model" -> r.model();
      case "--batch" -> r.batchSize();
      case "--optimizer" -> c.optimizer().kind().name().toLowerCase(Locale.ROOT);
      case "--lr" -> c.optimizer().lr();
      case "--momentum" -> c.optimizer().momentum();
      case "--nesterov" -> c.optimizer().nesterov();
      case "--weight-decay" -> c.optimizer().weightDecay();
      case "--schedule" -> c.schedule().kind().name().toLowerCase(Locale.ROOT);
      case "--label-smoothing" -> c.labelSmoothing();
      case "--mixup" -> r.mixup();
      case "--cutmix" -> r.cutmix();
      case "--random-erasing" -> r.randomErasing();
      case "--clip-grad" -> c.clipGradNorm();
      case "--bf16" -> c.bf16();
      case "--seed" -> c.seed();
      case "--size" -> r.dataOptions().imageSize();
      case "--train-size" -> r.dataOptions().trainSize();
      case "--val-size" -> r.dataOptions().valSize();
      case "--val-fraction" -> r.dataOptions().valFraction();
      case "--freeze-backbone" -> r.freezeBackbone();
      case "--patience" -> c.patience();
      case "--monitor" -> c.monitor().name().toLowerCase(Locale.ROOT);
      case "--on-nan" -> c.onNonFinite().name().toLowerCase(Locale.ROOT);
      case "--log-every" -> c.logEverySteps();
      case "--keep" -> c.keepCheckpoints();
      case "--sync-batch-norm" -> r.syncBatchNorm();
      default -> null;
    };
  }

  private static boolean same(Object given, Object recorded) {
    if (given instanceof Number a && recorded instanceof Number b) {
      return a.doubleValue() == b.doubleValue();
    }
    if (given instanceof String a && recorded instanceof String b) {
      return a.trim().equalsIgnoreCase(b.trim());
    }
    return recorded.equals(given);
  }

  /**
   * Refuses an existing run directory, except one a run left before its first checkpoint (killed,
   * or an older version that did not clean up): nothing can be resumed from it, so it is replaced.
   */
  private static void refuseExisting(Path runDir) {
    if (!RunDirectories.inUse(runDir)) {
      return;
    }
    if (Files.isRegularFile(runDir.resolve(RunInfo.FILE)) && !Checkpoints.hasCheckpoint(runDir)) {
      System.err.println("note: replacing " + runDir + ", a run that stopped before its first checkpoint");
      AtomicFiles.deleteTree(runDir);
      return;
    }
    throw new IllegalArgumentException("the run directory " + runDir + " exists; use --resume " + runDir
        + " to continue it, or another --name");
  }

  private RunInfo newRun(DataSpec dataSpec, DataSpec.Options dataOptions, DataSpec.Opened opened, int world) {
    ModelOptions modelOptions = ModelOptions.defaults().withNumClasses(opened.classes().size())
        .withInChannels(opened.channels()).withDropRate(dropRate).withDropPathRate(dropPath);
    OptimizerSpec.Kind kind = OptimizerSpec.Kind.parse(optimizer.optimizer);
    OptimizerSpec opt = kind == OptimizerSpec.Kind.SGD
        ? OptimizerSpec.sgd(lr != 0 ? lr : 0.05).withMomentum(momentum).withNesterov(nesterov)
            .withWeightDecay(optimizer.weightDecay(5e-4))
        : OptimizerSpec.adamw(lr != 0 ? lr : 1e-3).withWeightDecay(optimizer.weightDecay(0.05));
    TrainConfig config = new TrainConfig(epochs, opt, schedule.spec(), labelSmoothing, clipGrad, bf16, seed.value, patience,
        TrainConfig.Monitor.valueOf(monitor.trim().toUpperCase(Locale.ROOT)), logEvery, keep,
        TrainConfig.NonFinitePolicy.valueOf(onNan.trim().toUpperCase(Locale.ROOT)));
    return new RunInfo(RunInfo.FORMAT, model.value, modelOptions, opened.classes(), opened.channels(), opened.imageSize(),
        opened.mean(), opened.std(), dataSpec.toString(), dataOptions, batch.value, mixup, cutmix, randomErasing,
        weights.value == null ? null : weights.value.toAbsolutePath().toString(), freezeBackbone, config,
        OffsetDateTime.now().toString(), world, parallel.syncBatchNorm);
  }

  private static RunInfo withConfig(RunInfo r, TrainConfig config) {
    return new RunInfo(r.format(), r.model(), r.modelOptions(), r.classes(), r.channels(), r.imageSize(), r.mean(),
        r.std(), r.data(), r.dataOptions(), r.batchSize(), r.mixup(), r.cutmix(), r.randomErasing(), r.weights(),
        r.freezeBackbone(), config, r.created(), r.worldSize(), r.syncBatchNorm());
  }

  private String defaultName() {
    String kind = data.value.contains(":") ? data.value.substring(0, data.value.indexOf(':')) : data.value;
    return RunDirectories.defaultName(model.value, kind);
  }
}
