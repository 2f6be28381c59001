package io.nets4j.cli;

import io.nets4j.nn.Checks;
import io.nets4j.train.Checkpoints;
import io.nets4j.train.Trainer;
import io.nets4j.train.TrainingRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options every command that trains through the {@link io.nets4j.train.TrainingEngine} shares
 * (a picocli mixin): where its logs and checkpoints go, resuming, bfloat16, gradient clipping, the
 * progress display and the device the model and its batches run on.
 */
final class TrainingRunOptions {
  @Option(names = "--resume", arity = "0..1", fallbackValue = "", paramLabel = "DIR",
      description = "continue the run in DIR (default: the command's run directory) exactly where it stopped, from its "
          + "latest checkpoint; give the same options") String resume;

  @Option(names = "--run-dir", paramLabel = "DIR",
      description = "write steps.jsonl, metrics.jsonl and checkpoints/ here (Ctrl-C saves a checkpoint; --resume DIR continues)") Path runDir;

  @Option(names = "--checkpoint-every", defaultValue = "0", paramLabel = "STEPS",
      description = "also save a checkpoint every STEPS steps; 0 = only at the end or on Ctrl-C (default: ${DEFAULT-VALUE})") int checkpointEvery;

  @Option(names = "--bf16", description = "bfloat16 autocast for the forward passes (weights stay float32); refused "
      + "where this CPU cannot run it") boolean bf16;

  @Option(names = "--clip-grad", paramLabel = "NORM",
      description = "clip the global gradient norm at NORM; 0 = off (default: the task's recipe)") Double clipGrad;

  @Option(names = "--progress", defaultValue = "auto", paramLabel = "auto|bar|plain|none",
      description = "progress display; auto = a bar on a terminal, plain lines otherwise (default: ${DEFAULT-VALUE})") String progress;

  @Mixin DeviceOption device = new DeviceOption();

  /**
   * The run for a command whose own run directory is {@code commandDir} ({@code null}: none; then
   * {@code --run-dir} or {@code --resume} gives it), in its subdirectory {@code part} when the
   * command trains several models ({@code null}: one). A part of a resumed run that has no
   * checkpoint yet (the run stopped before it) starts fresh.
   */
  TrainingRun run(Path commandDir, String part) {
    return builder(commandDir, part).progress(progressMode()).build();
  }

  /**
   * {@link #run} for a command that shows the steps itself in {@link #progressMode()} ({@code detect
   * train}: the loss terms and images per second), so that the engine shows no second display.
   */
  TrainingRun runShowingOwnProgress(Path commandDir) {
    return builder(commandDir, null).build();
  }

  private TrainingRun.Builder builder(Path commandDir, String part) {
    Checks.nonNegative("--checkpoint-every", checkpointEvery);
    if (clipGrad != null) {
      Checks.nonNegative("--clip-grad", clipGrad);
    }
    Path resumed = resume == null ? null : resumeDirectory(commandDir);
    Path dir = resumed != null ? resumed : runDir != null ? runDir : commandDir;
    if (dir != null && part != null) {
      dir = dir.resolve(part);
    }
    Path from = resume == null ? null : part == null || Checkpoints.hasCheckpoint(dir) ? dir : null;
    return TrainingRun.builder().runDirectory(dir).resumeFrom(from).checkpointEvery(checkpointEvery)
        .device(device.device()).shutdownHook(true).bf16(bf16).clipGradNorm(clipGrad);
  }

  /** Whether {@code --resume} was given. */
  boolean resuming() {
    return resume != null;
  }

  /**
   * The directory {@code --resume} names, or {@code commandDir} for {@code --resume} alone (then
   * the command's own run directory, {@code --out} say).
   */
  Path resumeDirectory(Path commandDir) {
    Path dir = !resume.isEmpty() ? Path.of(resume) : runDir != null ? runDir : commandDir;
    if (dir == null) {
      throw new IllegalArgumentException("--resume needs the run directory to continue: --resume DIR");
    }
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("--resume " + dir + ": no such run directory");
    }
    return dir;
  }

  /** How {@code --progress} asks the steps to be shown. */
  Trainer.ProgressMode progressMode() {
    try {
      return Trainer.ProgressMode.valueOf(progress.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--progress must be auto, bar, plain or none, got '" + progress + "'", e);
    }
  }
}
