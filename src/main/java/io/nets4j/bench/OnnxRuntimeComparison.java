package io.nets4j.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.nets4j.inference.OptimizedModel;
import io.nets4j.io.LoadMode;
import io.nets4j.io.StateDicts;
import io.nets4j.nn.Layer;
import io.nets4j.tensor.CpuCapabilities;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * nets4j against ONNX Runtime (the CPU inference engine Java teams compare with) on the same
 * network: the nets4j model of the registry with the weights of a {@code torch.save} or safetensors
 * file, and the ONNX export of the same PyTorch model with the same weights. Both run in this JVM
 * on the same input with the same number of intra-op threads, timed round-robin (one forward of
 * each per round) so that the load of the machine hits both alike; the outputs must agree within
 * {@link #tolerance}. ONNX Runtime runs with all its graph optimisations
 * ({@code ORT_ENABLE_ALL}), one inter-op thread and its default spinning thread pool.
 *
 * <p>ONNX Runtime is an optional dependency used by this class only; the library never calls it.
 */
public final class OnnxRuntimeComparison {
  /**
   * float32 outputs agree when {@code max |a - b| <= F32_TOLERANCE * max |ORT output|}: relative to
   * the output's scale, since randomly initialised networks give logits far below 1.
   */
  public static final double F32_TOLERANCE = 1e-3;
  /** The same bound for a bfloat16 nets4j model (8-bit mantissa: about 0.4% per rounding, accumulated). */
  public static final double BF16_TOLERANCE = 5e-2;

  /**
   * The measurement.
   *
   * @param batch the batch of the throughput rows (1 is always measured)
   * @param nets4jMs batch-1 latency and batch-N time of nets4j, per batch
   * @param ortMs the same for ONNX Runtime
   * @param maxAbsDiff the largest absolute difference of the outputs (over both batch sizes)
   * @param tolerance {@link #F32_TOLERANCE} or {@link #BF16_TOLERANCE}
   * @param outputScale the largest absolute output of ONNX Runtime
   */
  public record Result(String model, String input, String onnx, String ortVersion, String nets4jVariant, int threads,
      int batch, List<Stats> nets4jMs, List<Stats> ortMs, double maxAbsDiff, double tolerance, double outputScale, String cpu) {
    public Result {
      nets4jMs = List.copyOf(nets4jMs);
      ortMs = List.copyOf(ortMs);
    }

    /** ONNX Runtime time / nets4j time by medians, for batch 1 ({@code row} 0) and batch N (1): above 1, nets4j is faster. */
    public double ratio(int row) {
      return ortMs.get(row).median() / nets4jMs.get(row).median();
    }

    /** The largest difference allowed: {@code tolerance * outputScale}. */
    public double bound() {
      return tolerance * outputScale;
    }

    public boolean agree() {
      return maxAbsDiff <= bound();
    }

    public String text() {
      StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
          "%s (%s) against ONNX Runtime %s on %s, %d threads%n%s%n", model, input, ortVersion, onnx, threads, cpu));
      b.append(String.format(Locale.ROOT, "  %-22s %-28s %-28s %s%n", "", "nets4j " + nets4jVariant, "ONNX Runtime",
          "ORT/nets4j"));
      b.append(String.format(Locale.ROOT, "  %-22s %-28s %-28s %.2f%n", "batch 1 latency (ms)",
          nets4jMs.get(0).format(2), ortMs.get(0).format(2), ratio(0)));
      if (nets4jMs.size() > 1) {
        Stats n = nets4jMs.get(1).reciprocal(1000.0 * batch);
        Stats o = ortMs.get(1).reciprocal(1000.0 * batch);
        b.append(String.format(Locale.ROOT, "  %-22s %-28s %-28s %.2f%n", "batch " + batch + " (img/s)", n.format(1),
            o.format(1), ratio(1)));
      }
      b.append(String.format(Locale.ROOT, "  outputs %s: max |diff| %.3g, allowed %.3g (%s x max |output| %.3g)%n",
          agree() ? "agree" : "DISAGREE", maxAbsDiff, bound(), tolerance, outputScale));
      if (outputScale == 0) {
        // e.g. torchvision's ViT, whose classifier head starts at zero
        b.append("  warning: every output is 0, so agreeing proves nothing; export the model with non-zero weights\n");
      }
      return b.toString();
    }
  }

  private OnnxRuntimeComparison() {}

  /** The weights file next to {@code onnx}: the same name ending in {@code .pth}, {@code .pt} or {@code .safetensors}. */
  public static Path siblingWeights(Path onnx) {
    String base = onnx.getFileName().toString().replaceFirst("\\.onnx$", "");
    for (String ext : List.of(".pth", ".pt", ".safetensors")) {
      Path p = onnx.resolveSibling(base + ext);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new IllegalArgumentException("--compare-onnxruntime needs the weights the ONNX file was exported with: "
        + "no " + base + ".pth, .pt or .safetensors next to " + onnx + "; pass --weights FILE");
  }

  /**
   * Compares the model of {@code o} (optimised when {@code o.optimize()}) loaded with {@code weights}
   * against the ONNX file {@code onnx}, at batch 1 and {@code o.batch()}.
   */
  public static Result run(BenchOptions o, Path onnx, Path weights) {
    if (!Files.isRegularFile(onnx)) {
      throw new IllegalArgumentException("ONNX model not found: " + onnx);
    }
    Workload w = Benchmark.workload(o);
    if (!w.images()) {
      throw new IllegalArgumentException("--compare-onnxruntime applies to image models, not " + o.model());
    }
    Layer model = w.model();
    StateDicts.load(model, weights, LoadMode.STRICT);
    model.eval();
    Benchmark.Forward nets4j;
    String variant;
    if (o.optimize()) {
      OptimizedModel opt = Benchmark.optimize(w, o);
      nets4j = opt::forward;
      variant = o.dtype() == DType.BFLOAT16 ? "--optimize bf16" : "--optimize";
    } else {
      if (o.dtype() != DType.FLOAT32) {
        model.to(o.dtype());
      }
      Benchmark.Forward eager = Benchmark.inference(model);
      nets4j = o.dtype() == DType.FLOAT32 ? eager
          : x -> eager.apply(x.to(o.dtype().scalarType())).to(DType.FLOAT32.scalarType());
      variant = o.dtype() == DType.BFLOAT16 ? "eager bf16" : "eager";
    }
    int threads = torch.get_num_threads();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      so.setIntraOpNumThreads(threads);
      so.setInterOpNumThreads(1);
      try (OrtSession session = openSession(env, onnx, so)) {
        List<Integer> batches = o.batch() == 1 ? List.of(1) : List.of(1, o.batch());
        List<Stats> n = new ArrayList<>();
        List<Stats> r = new ArrayList<>();
        double diff = 0;
        double scale = 0;
        for (int batch : batches) {
          try (Scope s = Scope.open()) {
            Tensor x = s.keep(w.input(batch, DType.FLOAT32));
            Measured m = measure(o, env, session, nets4j, x);
            n.add(m.nets4j());
            r.add(m.ort());
            diff = Math.max(diff, m.maxAbsDiff());
            scale = Math.max(scale, m.ortMaxAbs());
          }
        }
        Result result = new Result(o.model(), w.inputDescription(), onnx.toString(), ortVersion(), variant, threads,
            o.batch(), n, r, diff, o.dtype() == DType.BFLOAT16 ? BF16_TOLERANCE : F32_TOLERANCE, scale,
            CpuCapabilities.current().describe());
        if (!result.agree()) {
          throw new IllegalStateException("nets4j and ONNX Runtime disagree on " + onnx + " (are the weights "
              + weights + " those the ONNX file was exported with?)\n" + result.text());
        }
        return result;
      }
    } catch (OrtException e) {
      throw new IllegalArgumentException("ONNX Runtime failed on " + onnx + ": " + e.getMessage(), e);
    }
  }

  private static OrtSession openSession(OrtEnvironment env, Path onnx, OrtSession.SessionOptions so) {
    try {
      return env.createSession(onnx.toString(), so);
    } catch (OrtException e) {
      throw new IllegalArgumentException("not an ONNX model ONNX Runtime can load: " + onnx + ": " + e.getMessage(), e);
    }
  }

  /** Times of both engines on one input, and how far their outputs are apart. */
  record Measured(Stats nets4j, Stats ort, double maxAbsDiff, double ortMaxAbs) {}

  /**
   * Runs {@code nets4j} and {@code session} on {@code x} round-robin, inside the caller's {@link Scope} ({@code o.warmup()} untimed and
   * {@code o.iters()} timed rounds, the first engine alternating from round to round) and compares
   * their outputs.
   */
  static Measured measure(BenchOptions o, OrtEnvironment env, OrtSession session, Benchmark.Forward nets4j, Tensor x)
      throws OrtException {
    float[] data = Tensors.toFloatArray(x);
    long[] shape = Tensors.shape(x);
    String inputName = session.getInputNames().iterator().next();
    double[] nMs = new double[o.iters()];
    double[] rMs = new double[o.iters()];
    float[] ortOut = null;
    Tensor ours = null;
    try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), shape)) {
      Map<String, OnnxTensor> feed = Map.of(inputName, input);
      for (int i = -o.warmup(); i < o.iters(); i++) {
        for (int k = 0; k < 2; k++) {
          // alternate who goes first: the second runs with the caches the first left
          boolean ortTurn = (k == 0) == (Math.floorMod(i, 2) == 0);
          long t0 = System.nanoTime();
          if (ortTurn) {
            try (OrtSession.Result out = session.run(feed)) {
              long t = System.nanoTime() - t0;
              if (i >= 0) {
                rMs[i] = t / 1e6;
              }
              if (ortOut == null) {
                ortOut = copy(((OnnxTensor) out.get(0)).getFloatBuffer());
              }
            }
          } else {
            try (Scope s = Scope.open()) {
              Tensor y = nets4j.apply(x);
              long t = System.nanoTime() - t0;
              if (i >= 0) {
                nMs[i] = t / 1e6;
              }
              if (ours == null) {
                ours = s.keep(y.to(DType.FLOAT32.scalarType()).contiguous().clone());
              }
            }
          }
        }
      }
    }
    // ours belongs to the caller's scope
    Tensor theirs = Tensors.fromFloats(ortOut, Tensors.shape(ours));
    return new Measured(Stats.of(nMs), Stats.of(rMs), Tensors.maxAbsDiff(ours, theirs), Tensors.maxAbs(theirs));
  }

  private static float[] copy(FloatBuffer b) {
    float[] a = new float[b.remaining()];
    b.get(a);
    return a;
  }

  private static String ortVersion() {
    String v = OrtEnvironment.class.getPackage().getImplementationVersion();
    return v == null ? "(version unknown)" : v;
  }
}
