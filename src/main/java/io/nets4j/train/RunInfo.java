package io.nets4j.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.nets4j.models.ModelOptions;
import io.nets4j.nn.Checks;
import io.nets4j.nn.Limits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a run directory was made from ({@code run.json}): the model, the data and the settings, so
 * that {@code nets4j train --resume}, {@code eval} and {@code predict} can rebuild them.
 *
 * @param format {@value #FORMAT}
 * @param model the model's registry name
 * @param modelOptions the options it was built with (classes, input channels, drop rates)
 * @param classes the class names
 * @param channels image channels the model takes
 * @param imageSize image side the model was trained at
 * @param mean per-channel normalisation mean of the input
 * @param std per-channel normalisation standard deviation of the input
 * @param data the data, as {@link DataSpec#parse} reads it
 * @param dataOptions how the data was opened
 * @param batchSize training batch size
 * @param mixup mixup alpha (0: off)
 * @param cutmix CutMix alpha (0: off)
 * @param randomErasing probability of random erasing per training image (0: off; absent in older runs)
 * @param weights pretrained weights the run started from ({@code null} if none)
 * @param freezeBackbone whether only the classifier was trained
 * @param config the training settings
 * @param created when the run started (ISO-8601)
 * @param worldSize processes of the data-parallel job that trained it (1, or 0 in runs older than
 *     distributed training: one process); {@code batchSize} is per process
 * @param syncBatchNorm whether batch norms used the statistics of the whole job's batch
 */
public record RunInfo(String format, String model, ModelOptions modelOptions, List<String> classes, int channels,
    int imageSize, float[] mean, float[] std, String data, DataSpec.Options dataOptions, int batchSize, double mixup,
    double cutmix, double randomErasing, String weights, boolean freezeBackbone, TrainConfig config, String created,
    int worldSize, boolean syncBatchNorm) {
  public static final String FORMAT = "nets4j-run/1";

  /** A run.json edited by hand (or damaged) is refused where it is read, before a size is computed from it. */
  public RunInfo {
    Checks.range("imageSize", imageSize, 1, Limits.MAX_INPUT_SIDE);
    Checks.range("channels", channels, 1, 3);
    Checks.positive("batchSize", batchSize);
    if (classes == null || classes.size() < 2 || classes.size() > Limits.MAX_CLASSES) {
      throw new IllegalArgumentException("classes must list 2 to " + Limits.MAX_CLASSES + " names, got "
          + (classes == null ? "none" : classes.size()));
    }
    if (mean == null || std == null || mean.length != channels || std.length != channels) {
      throw new IllegalArgumentException("mean and std must have one value per channel (" + channels + ")");
    }
  }
  public static final String FILE = "run.json";

  /** The number of processes that trained the run (1 for runs older than distributed training). */
  public int processes() {
    return Math.max(1, worldSize);
  }

  /** The settings as JSON without the creation time: what the ranks of a job must agree on. */
  public String settingsJson() {
    RunInfo timeless = new RunInfo(format, model, modelOptions, classes, channels, imageSize, mean, std, data,
        dataOptions, batchSize, mixup, cutmix, randomErasing, weights, freezeBackbone, config, "", worldSize, syncBatchNorm);
    try {
      return Checkpoints.JSON.writeValueAsString(timeless);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes {@code run.json} into {@code runDir} atomically. */
  public void write(Path runDir) {
    try {
      AtomicFiles.writeString(runDir.resolve(FILE), Checkpoints.JSON.writeValueAsString(this) + "\n");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads the {@code run.json} of the run that {@code path} (a run directory or a checkpoint in one) belongs to. */
  public static RunInfo read(Path path) {
    Path file = runDirectory(path).resolve(FILE);
    try {
      RunInfo info = Checkpoints.JSON.readValue(file.toFile(), RunInfo.class);
      if (!FORMAT.equals(info.format())) {
        throw new IllegalArgumentException(file + " has format '" + info.format() + "', expected '" + FORMAT + "'");
      }
      return info;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + " (" + e.getMessage() + ")", e);
    }
  }

  /**
   * The run directory of {@code path}: itself if it holds {@code run.json}, else the run that a
   * checkpoint directory (or its {@code checkpoint.json}) belongs to.
   */
  public static Path runDirectory(Path path) {
    Path p = path.toAbsolutePath().normalize();
    for (int up = 0; up < 4 && p != null; up++, p = p.getParent()) {
      if (Files.isRegularFile(p.resolve(FILE))) {
        return p;
      }
    }
    throw new IllegalArgumentException("no " + FILE + " in " + path + " or the folders above it; is it a run directory"
        + " or a checkpoint of one?");
  }
}
