package io.nets4j.io;

import io.nets4j.nn.Module;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Saves a module's state_dict to a safetensors file and loads one back into a module. Loading
 * reads safetensors and {@code torch.save} files ({@code .pth}) alike, told apart by content (see
 * {@link WeightsFile#open}).
 *
 * <p>Loading copies values into the module's existing tensors in place, so parameters keep their
 * identity (optimizers holding them stay valid) and their device. Every key is checked before
 * anything is copied.
 */
public final class StateDicts {
  private static final String MAP_SOURCE = "state_dict";

  private StateDicts() {}

  /** Writes {@code module.stateDict()} to {@code path}, with metadata {@code format=pt, producer=nets4j}. */
  public static void save(Module module, Path path) {
    save(module, path, Map.of());
  }

  /** Like {@link #save(Module, Path)}, with extra metadata entries (which override the defaults). */
  public static void save(Module module, Path path, Map<String, String> metadata) {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("format", "pt");
    all.put("producer", "nets4j");
    all.putAll(metadata);
    SafeTensors.write(path, module.stateDict(), all);
  }

  /** Loads a weights file into {@code module} in {@link LoadMode#STRICT} mode. */
  public static LoadReport load(Module module, Path path) {
    return load(module, path, LoadMode.STRICT);
  }

  /** Loads a weights file into {@code module}; dtypes must match exactly. */
  public static LoadReport load(Module module, Path path, LoadMode mode) {
    return load(module, path, mode, false);
  }

  /**
   * Loads a weights file (safetensors, or a {@code torch.save} file whose top level is the
   * state_dict) into {@code module}, reading one tensor at a time.
   *
   * @param convertDtypes whether a floating-point tensor may be converted to the model's
   *     floating-point type (e.g. a float64 file into a float32 model); other dtype differences
   *     are always mismatches
   * @throws StateDictException in strict mode, if the file does not match the model
   * @throws SafeTensorsException if the file is not valid safetensors
   * @throws PyTorchFileException if the file is a {@code torch.save} file that cannot be read
   */
  public static LoadReport load(Module module, Path path, LoadMode mode, boolean convertDtypes) {
    return load(module, WeightsFile.open(path), mode, convertDtypes);
  }

  /**
   * Loads an opened weights file into {@code module}, reading one tensor at a time; open a
   * checkpoint with {@code WeightsFile.open(path, PyTorchFile.Options.DEFAULT.withEntry("model"))}.
   *
   * @param convertDtypes as in {@link #load(Module, Path, LoadMode, boolean)}
   * @throws StateDictException in strict mode, if the file does not match the model
   */
  public static LoadReport load(Module module, WeightsFile file, LoadMode mode, boolean convertDtypes) {
    Map<String, Source> source = new LinkedHashMap<>();
    for (WeightsFile.TensorInfo t : file.tensorInfos().values()) {
      source.put(t.name(), new Source(t.dtype(), t.shape(), () -> file.tensor(t.name())));
    }
    return load(module, SafeTensors.fileName(file.path()), source, mode, convertDtypes);
  }

  /** Loads a state_dict held in memory into {@code module}; dtypes must match exactly. */
  public static LoadReport load(Module module, Map<String, Tensor> stateDict, LoadMode mode) {
    return load(module, stateDict, mode, false);
  }

  /**
   * Loads a state_dict held in memory into {@code module}.
   *
   * @param convertDtypes as in {@link #load(Module, Path, LoadMode, boolean)}
   * @throws StateDictException in strict mode, if the state_dict does not match the model
   */
  public static LoadReport load(Module module, Map<String, Tensor> stateDict, LoadMode mode, boolean convertDtypes) {
    Map<String, Source> source = new LinkedHashMap<>();
    stateDict.forEach((k, t) -> source.put(k, new Source(Tensors.dtype(t), Tensors.shape(t), () -> t)));
    return load(module, MAP_SOURCE, source, mode, convertDtypes);
  }

  /** A tensor of the source, described before its data is read. */
  private record Source(DType dtype, long[] shape, Supplier<Tensor> value) {}

  private static LoadReport load(Module module, String label, Map<String, Source> source, LoadMode mode,
      boolean convertDtypes) {
    Map<String, Tensor> target = module.stateDict();
    List<String> matching = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    List<LoadReport.Mismatch> skipped = new ArrayList<>();
    for (Map.Entry<String, Tensor> t : target.entrySet()) {
      String key = t.getKey();
      Source s = source.get(key);
      if (s == null) {
        missing.add(key);
        problems.add("missing key '" + key + "' (model has " + describe(t.getValue()) + ")");
        continue;
      }
      String reason = mismatch(t.getValue(), s, convertDtypes);
      if (reason == null) {
        matching.add(key);
      } else {
        LoadReport.Mismatch m = new LoadReport.Mismatch(key, reason);
        skipped.add(m);
        problems.add(m.toString());
      }
    }
    List<String> unexpected = new ArrayList<>();
    source.forEach((key, s) -> {
      if (!target.containsKey(key)) {
        unexpected.add(key);
        problems.add("unexpected key '" + key + "' (" + describe(s.dtype(), s.shape()) + ")");
      }
    });
    if (mode == LoadMode.STRICT && !problems.isEmpty()) {
      throw new StateDictException(label + ": does not match " + module.typeName() + " (" + problems.size()
          + (problems.size() == 1 ? " problem" : " problems") + "), nothing was loaded:\n  "
          + String.join("\n  ", problems), new LoadReport(label, List.of(), missing, unexpected, skipped));
    }
    String nonFinite = firstNonFinite(matching, source);
    if (nonFinite != null) {
      throw new StateDictException(label + ": " + nonFinite + "; weights with NaN or infinite values are refused"
          + " (was the model saved after its training diverged?), nothing was loaded",
          new LoadReport(label, List.of(), missing, unexpected, skipped));
    }
    try (NoGradGuard g = new NoGradGuard()) {
      for (String key : matching) {
        // one scope per tensor, so that at most one tensor read from a file is alive at a time
        try (Scope s = Scope.open()) {
          Tensor into = target.get(key);
          Tensor value = source.get(key).value().get();
          into.copy_(into.dim() == 0 ? value.reshape(new long[0]) : value);
        }
      }
    }
    return new LoadReport(label, matching, missing, unexpected, skipped);
  }

  /**
   * The first floating-point tensor holding a NaN or an infinity, described, or {@code null}: read
   * in a pass of its own, so a refused file leaves the model as it was.
   */
  private static String firstNonFinite(List<String> keys, Map<String, Source> source) {
    for (String key : keys) {
      Source s = source.get(key);
      if (!s.dtype().isFloatingPoint()) {
        continue;
      }
      try (Scope scope = Scope.open()) {
        Tensor bad = torch.isfinite(s.value().get()).logical_not().reshape(-1);
        long count = bad.sum().item_long();
        if (count > 0) {
          long first = bad.nonzero().reshape(-1).get(0).item_long();
          return "tensor '" + key + "' (" + describe(s.dtype(), s.shape()) + ") has " + count + " NaN or infinite "
              + (count == 1 ? "value" : "values") + ", the first at flat index " + first;
        }
      }
    }
    return null;
  }

  /** Why {@code source} cannot be copied into {@code target}, or {@code null} if it can. */
  private static String mismatch(Tensor target, Source source, boolean convertDtypes) {
    DType dtype = Tensors.dtype(target);
    long[] shape = Tensors.shape(target);
    boolean shapeDiffers = !Arrays.equals(shape, source.shape()) && !isLegacyScalar(shape, source.shape());
    boolean dtypeDiffers = dtype != source.dtype()
        && !(convertDtypes && dtype.isFloatingPoint() && source.dtype().isFloatingPoint());
    if (!shapeDiffers && !dtypeDiffers) {
      return null;
    }
    String what = shapeDiffers && dtypeDiffers ? "shape and dtype" : shapeDiffers ? "shape" : "dtype";
    String hint = !shapeDiffers && dtype.isFloatingPoint() && source.dtype().isFloatingPoint()
        ? " (only the floating-point type differs: convert the file's tensors to " + dtype.safetensorsCode()
        + " before loading, e.g. PyTorch's model.to(dtype) before saving)" : "";
    return what + " mismatch: expected " + describe(dtype, shape) + ", got " + describe(source.dtype(), source.shape())
        + hint;
  }

  /**
   * A one-element vector for a 0-dim tensor: PyTorch's {@code Module._load_from_state_dict} loads
   * it so (files of PyTorch 0.3 and some converters store BatchNorm's {@code num_batches_tracked} as
   * {@code [1]}), and so does this.
   */
  private static boolean isLegacyScalar(long[] target, long[] source) {
    return target.length == 0 && source.length == 1 && source[0] == 1;
  }

  private static String describe(Tensor t) {
    return describe(Tensors.dtype(t), Tensors.shape(t));
  }

  private static String describe(DType dtype, long[] shape) {
    return dtype.safetensorsCode() + " " + Arrays.toString(shape);
  }
}
