package io.nets4j.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.nets4j.io.LoadMode;
import io.nets4j.io.SafeTensors;
import io.nets4j.io.SafeTensorsFile;
import io.nets4j.io.StateDicts;
import io.nets4j.nn.Module;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints of a training run. A checkpoint is a directory {@code checkpoints/step-NNNNNNNN/}
 * holding
 * <ul>
 *   <li>{@code model.safetensors}: the model's state_dict (loads into PyTorch as it is);
 *   <li>{@code training.safetensors}: {@code optimizer.0}, {@code optimizer.1}, ... — libtorch's
 *       serialised optimizer state in chunks (uint8), see {@link TorchOptimizer} — and
 *       {@code rng.cpu} — the state of libtorch's default CPU generator (uint8);
 *   <li>{@code checkpoint.json}: the position and settings ({@link CheckpointInfo}).
 * </ul>
 * The directory is written under a temporary name and renamed when complete, so a checkpoint
 * directory is never partial, even if the process dies while saving. {@code checkpoints/latest.json}
 * and {@code best.json} (each replaced atomically) name the newest and the best checkpoint. A
 * pointer to a damaged checkpoint (a file truncated or changed on disk) falls back to the newest
 * intact one, with a warning; temporaries a killed process left are removed when a run starts
 * ({@link #removeTemporaries}).
 */
public final class Checkpoints {
  private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
  /** The value of {@link CheckpointInfo#format}. */
  public static final String FORMAT = "nets4j-checkpoint/1";
  public static final String MODEL_FILE = "model.safetensors";
  public static final String TRAINING_FILE = "training.safetensors";
  public static final String INFO_FILE = "checkpoint.json";
  public static final String LATEST = "latest.json";
  public static final String BEST = "best.json";
  static final String DIRECTORY = "checkpoints";
  private static final String OPTIMIZER_KEY = "optimizer";
  private static final String RNG_KEY = "rng.cpu";

  static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private Checkpoints() {}

  /** A pointer file's content: the name of a checkpoint directory. */
  record Pointer(String checkpoint, long step, int epoch) {}

  /**
   * Saves a checkpoint into {@code checkpointsDir} and points {@code latest.json} at it.
   *
   * @return the checkpoint directory
   */
  static Path save(Path checkpointsDir, Module model, TorchOptimizer optimizer, CheckpointInfo info) {
    return save(checkpointsDir, model, optimizer, info.step(), info.epoch(), info.model(), info);
  }

  /**
   * Saves a checkpoint of {@code step} whose {@code checkpoint.json} is {@code info} (a
   * {@link CheckpointInfo} or a {@link TrainingEngine} checkpoint) and points {@code latest.json} at it.
   */
  static Path save(Path checkpointsDir, Module model, TorchOptimizer optimizer, long step, int epoch, String modelName,
      Object info) {
    String name = String.format("step-%08d", step);
    Path target = checkpointsDir.resolve(name);
    try {
      Files.createDirectories(checkpointsDir);
      if (Files.exists(target)) {
        // a checkpoint of this step exists (e.g. stop requested right after an epoch's checkpoint)
        AtomicFiles.deleteTree(target);
      }
      Path tmp = checkpointsDir.resolve("." + name + ".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
      Files.createDirectory(tmp);
      try {
        Map<String, String> meta = Map.of("step", Long.toString(step), "model", modelName);
        StateDicts.save(model, tmp.resolve(MODEL_FILE), meta);
        try (Scope s = Scope.open()) {
          Map<String, Tensor> training = new LinkedHashMap<>();
          List<byte[]> state = optimizer.saveState();
          for (int i = 0; i < state.size(); i++) {
            byte[] chunk = state.get(i);
            training.put(OPTIMIZER_KEY + "." + i, Tensors.fromBytes(chunk, 0, chunk.length, DType.UINT8, chunk.length));
          }
          training.put(RNG_KEY, torch.getDefaultCPUGenerator().get_state());
          SafeTensors.write(tmp.resolve(TRAINING_FILE), training,
              Map.of("optimizer", optimizer.spec().kind().name(), "optimizer_format", "torch::serialize archive",
                  "optimizer_chunks", Integer.toString(state.size())));
        }
        AtomicFiles.writeString(tmp.resolve(INFO_FILE), JSON.writeValueAsString(info));
        AtomicFiles.syncDirectory(tmp);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        tmp = null;
      } finally {
        if (tmp != null) {
          AtomicFiles.deleteTree(tmp);
        }
      }
      AtomicFiles.syncDirectory(checkpointsDir);
      writePointer(checkpointsDir.resolve(LATEST), name, step, epoch);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save the checkpoint " + target + " (" + e + ")", e);
    }
  }

  static void writePointer(Path file, String name, CheckpointInfo info) {
    writePointer(file, name, info.step(), info.epoch());
  }

  static void writePointer(Path file, String name, long step, int epoch) {
    try {
      AtomicFiles.writeString(file, JSON.writeValueAsString(new Pointer(name, step, epoch)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Removes the oldest checkpoints beyond {@code keep}, sparing {@code spare} (the best one). */
  static void prune(Path checkpointsDir, int keep, Path spare) {
    List<Path> all = stepDirectories(checkpointsDir);
    for (int i = 0; i < all.size() - keep; i++) {
      Path p = all.get(i);
      if (spare == null || !p.toAbsolutePath().normalize().equals(spare.toAbsolutePath().normalize())) {
        AtomicFiles.deleteTree(p);
      }
    }
  }

  /**
   * The checkpoint directory {@code path} refers to: a checkpoint directory itself, its
   * {@code checkpoint.json}, a run directory (its latest checkpoint) or a run's
   * {@code checkpoints} directory.
   *
   * @throws IllegalArgumentException if there is no checkpoint there
   */
  public static Path resolve(Path path) {
    return resolve(path, LATEST);
  }

  /** Like {@link #resolve(Path)}, but a run directory gives its best checkpoint (its latest if none is marked best). */
  public static Path resolveBest(Path path) {
    return resolve(path, BEST);
  }

  private static Path resolve(Path path, String pointer) {
    if (Files.isRegularFile(path) && path.getFileName().toString().equals(INFO_FILE)) {
      return path.toAbsolutePath().getParent();
    }
    if (Files.isRegularFile(path.resolve(INFO_FILE))) {
      return path;
    }
    Path dir = Files.isDirectory(path.resolve(DIRECTORY)) ? path.resolve(DIRECTORY) : path;
    String problem = null;
    for (String p : pointer.equals(BEST) ? List.of(BEST, LATEST) : List.of(LATEST)) {
      Path file = dir.resolve(p);
      if (Files.isRegularFile(file)) {
        Path target;
        try {
          target = dir.resolve(JSON.readValue(file.toFile(), Pointer.class).checkpoint()).normalize();
        } catch (IOException | RuntimeException e) {
          problem = "cannot read " + file + " (" + e.getMessage() + ")";
          break;
        }
        problem = damage(target);
        if (problem == null) {
          return target;
        }
        problem = file + " names " + target + ", which is not a complete checkpoint (" + problem + ")";
        break;
      }
    }
    // a damaged or missing pointer: the newest checkpoint that is intact, said so
    List<Path> steps = stepDirectories(dir);
    for (int i = steps.size() - 1; i >= 0; i--) {
      if (damage(steps.get(i)) == null) {
        LOG.warn("{}; using the newest intact checkpoint, {}", problem != null ? problem : "no " + LATEST + " in " + dir,
            steps.get(i));
        return steps.get(i);
      }
    }
    if (problem != null) {
      throw new IllegalArgumentException(problem + ", and no other checkpoint in " + dir + " is intact");
    }
    throw new IllegalArgumentException("no checkpoint at " + path + " (expected a run directory with "
        + DIRECTORY + "/" + LATEST + ", a checkpoint directory with " + INFO_FILE + ", or that file)");
  }

  /**
   * Why the checkpoint directory cannot be resumed from, or {@code null} if it is intact: its
   * {@code checkpoint.json} reads, and both weight files pass the safetensors header and size checks.
   */
  static String damage(Path checkpoint) {
    if (!Files.isDirectory(checkpoint)) {
      return "no such directory";
    }
    try {
      format(checkpoint);
      SafeTensors.read(checkpoint.resolve(MODEL_FILE));
      SafeTensors.read(checkpoint.resolve(TRAINING_FILE));
      return null;
    } catch (RuntimeException e) {
      return e.getMessage();
    }
  }

  /** The complete checkpoint directories {@code step-*}, oldest first. */
  private static List<Path> stepDirectories(Path checkpointsDir) {
    if (!Files.isDirectory(checkpointsDir)) {
      return List.of();
    }
    try (Stream<Path> list = Files.list(checkpointsDir)) {
      return list.filter(p -> p.getFileName().toString().startsWith("step-") && Files.isDirectory(p)).sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + checkpointsDir + " (" + e + ")", e);
    }
  }

  /**
   * Removes what a killed process left half-written in a run directory and its checkpoints: the
   * temporary {@code .step-N.tmp-*} checkpoint directories and {@code .NAME.tmp-*} files, which
   * are never read (complete ones are renamed to their final names).
   *
   * @return the paths removed
   */
  public static List<Path> removeTemporaries(Path runDir) {
    List<Path> removed = new ArrayList<>();
    for (Path dir : List.of(runDir, runDir.resolve(DIRECTORY))) {
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> list = Files.list(dir)) {
        for (Path p : list.filter(Checkpoints::isTemporary).toList()) {
          AtomicFiles.deleteTree(p);
          removed.add(p);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + dir + " (" + e + ")", e);
      }
    }
    return removed;
  }

  private static boolean isTemporary(Path p) {
    String name = p.getFileName().toString();
    return name.startsWith(".") && name.contains(".tmp-");
  }

  /** Whether the run directory holds at least one complete checkpoint. */
  public static boolean hasCheckpoint(Path runDir) {
    return !stepDirectories(runDir.resolve(DIRECTORY)).isEmpty();
  }

  /** The {@code format} of a checkpoint's {@code checkpoint.json}: {@link #FORMAT} or {@link TrainingEngine#FORMAT}. */
  static String format(Path checkpoint) {
    Path file = checkpoint.resolve(INFO_FILE);
    String format;
    try {
      format = JSON.readTree(file.toFile()).path("format").asText("");
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + " (" + e.getMessage() + ")", e);
    }
    if (!format.equals(FORMAT) && !format.equals(TrainingEngine.FORMAT)) {
      throw new IllegalArgumentException(file + " has format '" + format + "', expected '" + FORMAT + "' or '"
          + TrainingEngine.FORMAT + "'");
    }
    return format;
  }

  /** Reads a checkpoint's {@code checkpoint.json}. */
  public static CheckpointInfo info(Path checkpoint) {
    Path file = checkpoint.resolve(INFO_FILE);
    try {
      CheckpointInfo info = JSON.readValue(file.toFile(), CheckpointInfo.class);
      if (!FORMAT.equals(info.format())) {
        throw new IllegalArgumentException(file + " has format '" + info.format() + "', expected '" + FORMAT + "'");
      }
      return info;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + " (" + e.getMessage() + ")", e);
    }
  }

  /** Loads a checkpoint's weights into {@code model} (strictly: every key, shape and dtype must match). */
  public static void loadWeights(Module model, Path checkpoint) {
    StateDicts.load(model, checkpoint.resolve(MODEL_FILE), LoadMode.STRICT);
  }

  /** Restores weights, optimizer state and libtorch's generator from a checkpoint. */
  static void restore(Path checkpoint, CheckpointInfo info, Module model, TorchOptimizer optimizer) {
    restore(checkpoint, info.optimizerLayout(), model, optimizer);
  }

  /** Restores weights, optimizer state (saved for {@code optimizerLayout}) and libtorch's generator. */
  static void restore(Path checkpoint, List<String> optimizerLayout, Module model, TorchOptimizer optimizer) {
    loadWeights(model, checkpoint);
    SafeTensorsFile training = SafeTensors.read(checkpoint.resolve(TRAINING_FILE));
    try (Scope s = Scope.open()) {
      List<byte[]> state = new ArrayList<>();
      for (int i = 0; training.contains(OPTIMIZER_KEY + "." + i); i++) {
        state.add(Tensors.toBytes(training.tensor(OPTIMIZER_KEY + "." + i)));
      }
      if (state.isEmpty()) {
        throw new IllegalArgumentException(checkpoint.resolve(TRAINING_FILE) + " has no optimizer state ('"
            + OPTIMIZER_KEY + ".0')");
      }
      optimizer.loadState(state, optimizerLayout);
      torch.getDefaultCPUGenerator().set_state(training.tensor(RNG_KEY));
    }
  }
}
