package io.nets4j.tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * What this CPU lets libtorch do: the instruction-set extensions the operating system reports, the
 * kernel set ATen dispatches to, and whether libtorch's oneDNN bfloat16 paths run here. Every bf16
 * or packed code path asks {@link #current()} instead of finding out from a native error.
 *
 * <p>libtorch 2.10 packs bfloat16 convolution weights for oneDNN ({@code mkldnn_reorder_conv2d_weight})
 * only where the CPU has AVX-512 BW, VL and DQ or AVX-NE-CONVERT, and oneDNN has bfloat16 LSTM/GRU
 * primitives only with AVX-512; elsewhere (an AVX2-only CPU, or oneDNN limited by
 * {@code ONEDNN_MAX_CPU_ISA}) both fail with a C++ exception. Plain bfloat16 convolutions, matrix
 * products and autocast work on any x86-64 CPU through ATen's reference kernels (slower than float32
 * there). Each bf16 answer is the rule above on the reported features, confirmed by running the
 * operation once on a tiny tensor: the rule names what is missing, the probe catches what the rule
 * cannot see (an ISA limit set in the environment).
 */
public final class CpuCapabilities {
  /** The instruction-set extensions that decide which libtorch and oneDNN kernels can run. */
  public enum Feature {
    AVX2("avx2", "AVX2"),
    AVX512F("avx512f", "AVX-512 F"),
    AVX512BW("avx512bw", "AVX-512 BW"),
    AVX512VL("avx512vl", "AVX-512 VL"),
    AVX512DQ("avx512dq", "AVX-512 DQ"),
    AVX512_BF16("avx512_bf16", "AVX-512-BF16"),
    AVX512_FP16("avx512_fp16", "AVX-512-FP16"),
    AVX_VNNI("avx_vnni", "AVX-VNNI"),
    AVX_NE_CONVERT("avx_ne_convert", "AVX-NE-CONVERT"),
    AMX_TILE("amx_tile", "AMX-TILE"),
    AMX_BF16("amx_bf16", "AMX-BF16");

    private final String flag;
    private final String label;

    Feature(String flag, String label) {
      this.flag = flag;
      this.label = label;
    }

    /** The name Linux prints in {@code /proc/cpuinfo} ({@code avx512bw}). */
    public String flag() {
      return flag;
    }

    /** The name Intel and AMD use ({@code AVX-512 BW}). */
    public String label() {
      return label;
    }
  }

  /**
   * Whether an optional native path runs on this CPU.
   *
   * @param supported whether it runs
   * @param reason why not, as one sentence naming the missing CPU feature; empty when supported
   */
  public record Support(boolean supported, String reason) {
    static final Support YES = new Support(true, "");
  }

  private static final Set<Feature> AVX512_CORE = EnumSet.of(Feature.AVX512F, Feature.AVX512BW, Feature.AVX512VL,
      Feature.AVX512DQ);
  private static final Set<Feature> BF16_WORD_OPS = EnumSet.of(Feature.AVX512BW, Feature.AVX512VL, Feature.AVX512DQ);

  private static volatile CpuCapabilities detected;
  private static volatile CpuCapabilities override;

  private final Set<Feature> features;
  private final String atenKernels;
  private final String featureSource;
  private final Support bf16WeightPacking;
  private final Support bf16Recurrent;

  private CpuCapabilities(Set<Feature> features, String atenKernels, String featureSource, Support bf16WeightPacking,
      Support bf16Recurrent) {
    this.features = Collections.unmodifiableSet(features.isEmpty() ? EnumSet.noneOf(Feature.class) : EnumSet.copyOf(features));
    this.atenKernels = atenKernels;
    this.featureSource = featureSource;
    this.bf16WeightPacking = bf16WeightPacking;
    this.bf16Recurrent = bf16Recurrent;
  }

  /**
   * This machine's capabilities, detected once per JVM (or the ones an open {@link #override} sets).
   */
  public static CpuCapabilities current() {
    CpuCapabilities o = override;
    if (o != null) {
      return o;
    }
    if (detected == null) {
      synchronized (CpuCapabilities.class) {
        if (detected == null) {
          detected = detect();
        }
      }
    }
    return detected;
  }

  /**
   * The capabilities of a CPU that has exactly {@code features}, judged by libtorch's rules alone
   * (nothing is probed): {@code assuming(EnumSet.of(Feature.AVX2))} answers as an AVX2-only machine
   * does, so that the fallbacks run and are tested on any machine.
   */
  public static CpuCapabilities assuming(Set<Feature> features) {
    NativeRuntime.load();
    Set<Feature> f = features.isEmpty() ? EnumSet.noneOf(Feature.class) : EnumSet.copyOf(features);
    return new CpuCapabilities(f, torch.get_cpu_capability().getString(), "assumed",
        packingRule(f), recurrentRule(f));
  }

  /**
   * Makes {@link #current()} answer {@code capabilities} until the returned handle is closed (for
   * tests and comparisons; the setting is process-wide).
   */
  public static Restorer override(CpuCapabilities capabilities) {
    synchronized (CpuCapabilities.class) {
      Restorer handle = new Restorer(override);
      override = capabilities;
      return handle;
    }
  }

  /** Restores the capabilities that were in force before {@link #override}. */
  public static final class Restorer implements AutoCloseable {
    private final CpuCapabilities previous;
    private boolean closed;

    private Restorer(CpuCapabilities previous) {
      this.previous = previous;
    }

    @Override
    public void close() {
      synchronized (CpuCapabilities.class) {
        if (!closed) {
          closed = true;
          override = previous;
        }
      }
    }
  }

  private static CpuCapabilities detect() {
    NativeRuntime.load();
    String aten = torch.get_cpu_capability().getString();
    Optional<Set<Feature>> fromOs = readProcCpuinfo();
    Set<Feature> features = fromOs.orElseGet(() -> fromAtenCapability(aten));
    String source = fromOs.isPresent() ? "/proc/cpuinfo" : "libtorch's kernel set " + aten;
    Support packing = packingRule(features);
    if (packing.supported()) {
      packing = probe("bfloat16 convolution weight packing", CpuCapabilities::packOneBf16Weight);
    }
    Support recurrent = recurrentRule(features);
    if (recurrent.supported()) {
      recurrent = probe("bfloat16 LSTM", CpuCapabilities::runOneBf16Lstm);
    }
    return new CpuCapabilities(features, aten, source, packing, recurrent);
  }

  /** libtorch's {@code mkldnn_bf16_device_check} on x86: AVX-512 BW, VL and DQ, or AVX-NE-CONVERT. */
  private static Support packingRule(Set<Feature> f) {
    if (f.containsAll(BF16_WORD_OPS) || f.contains(Feature.AVX_NE_CONVERT)) {
      return Support.YES;
    }
    return new Support(false, "libtorch packs bfloat16 convolution weights only on CPUs with "
        + "AVX-512 BW, VL and DQ or with AVX-NE-CONVERT; this CPU has " + describeMissing(f, BF16_WORD_OPS));
  }

  /** oneDNN's bfloat16 RNN primitives are implemented for AVX-512 (avx512_core) and above. */
  private static Support recurrentRule(Set<Feature> f) {
    if (f.containsAll(AVX512_CORE)) {
      return Support.YES;
    }
    return new Support(false, "oneDNN's bfloat16 LSTM/GRU kernels need AVX-512 (F, BW, VL and DQ); this CPU has "
        + describeMissing(f, AVX512_CORE));
  }

  private static String describeMissing(Set<Feature> has, Set<Feature> wanted) {
    List<String> present = wanted.stream().filter(has::contains).map(Feature::label).toList();
    String best = has.contains(Feature.AVX512F) ? "AVX-512 F" : has.contains(Feature.AVX2) ? "AVX2" : "neither AVX2 nor AVX-512";
    return present.isEmpty() ? "none of them (its widest vector extension: " + best + ")"
        : "only " + String.join(", ", present) + " of them";
  }

  private static Support probe(String what, Runnable operation) {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      operation.run();
      return Support.YES;
    } catch (RuntimeException e) {
      String limit = Optional.ofNullable(System.getenv("ONEDNN_MAX_CPU_ISA"))
          .or(() -> Optional.ofNullable(System.getenv("DNNL_MAX_CPU_ISA")))
          .map(v -> " (oneDNN is limited to " + v + " by ONEDNN_MAX_CPU_ISA)").orElse("");
      String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
      return new Support(false, "libtorch refused " + what + " on this CPU" + limit + ": " + message);
    }
  }

  private static void packOneBf16Weight() {
    BoxedOperator reorder = BoxedOperator.find("mkldnn::_reorder_convolution_weight")
        .orElseThrow(() -> new IllegalStateException("this libtorch has no oneDNN (mkldnn::_reorder_convolution_weight)"));
    Tensor weight = torch.ones(new long[] {1, 1, 1, 1}, Tensors.options(DType.BFLOAT16));
    reorder.call(new IValue(weight), BoxedOperator.ints(0, 0), BoxedOperator.ints(1, 1), BoxedOperator.ints(1, 1),
        new IValue(1L), BoxedOperator.ints(1, 1, 1, 1));
  }

  /**
   * A one-step LSTM in bfloat16 and under bfloat16 autocast (float32 weights): with oneDNN limited
   * below AVX-512 the first can pass while the second fails, so both are run.
   */
  private static void runOneBf16Lstm() {
    runOneLstm(DType.BFLOAT16);
    try (Autocast a = Autocast.bfloat16()) {
      runOneLstm(DType.FLOAT32);
    }
  }

  private static void runOneLstm(DType dtype) {
    TensorOptions options = Tensors.options(dtype);
    Tensor x = torch.ones(new long[] {1, 1, 1}, options);
    Tensor state = torch.zeros(new long[] {1, 1, 1}, options);
    Tensor[] params = {torch.ones(new long[] {4, 1}, options), torch.ones(new long[] {4, 1}, options),
        torch.zeros(new long[] {4}, options), torch.zeros(new long[] {4}, options)};
    Tensors.owned(torch.lstm(x, new TensorVector(state, state), new TensorVector(params), true, 1, 0.0, false, false,
        false));
  }

  private static Optional<Set<Feature>> readProcCpuinfo() {
    Path info = Path.of("/proc/cpuinfo");
    if (!Files.isReadable(info)) {
      return Optional.empty();
    }
    try (var lines = Files.lines(info)) {
      return lines.filter(l -> l.startsWith("flags")).findFirst().map(line -> {
        Set<String> flags = Arrays.stream(line.substring(line.indexOf(':') + 1).trim().split("\\s+"))
            .collect(Collectors.toSet());
        Set<Feature> found = EnumSet.noneOf(Feature.class);
        for (Feature f : Feature.values()) {
          if (flags.contains(f.flag)) {
            found.add(f);
          }
        }
        return found;
      });
    } catch (IOException | UncheckedIOException e) {
      return Optional.empty();
    }
  }

  /** Where the OS does not list flags: ATen's AVX512 kernel set requires AVX-512 F, BW, VL and DQ. */
  private static Set<Feature> fromAtenCapability(String aten) {
    Set<Feature> f = EnumSet.noneOf(Feature.class);
    String level = aten.toUpperCase(Locale.ROOT);
    if (level.startsWith("AVX2") || level.startsWith("AVX512")) {
      f.add(Feature.AVX2);
    }
    if (level.startsWith("AVX512")) {
      f.addAll(AVX512_CORE);
    }
    return f;
  }

  /** The extensions this CPU has, of those that matter to libtorch. */
  public Set<Feature> features() {
    return features;
  }

  public boolean has(Feature feature) {
    return features.contains(feature);
  }

  /** The kernel set ATen dispatches to ({@code torch.backends.cpu.get_cpu_capability()}: DEFAULT, AVX2, AVX512). */
  public String atenKernels() {
    return atenKernels;
  }

  /** Whether bfloat16 convolution weights can be packed for oneDNN ({@code Conv2d.packForInference}). */
  public Support bf16WeightPacking() {
    return bf16WeightPacking;
  }

  /** Whether libtorch's fused LSTM/GRU/RNN kernels run in bfloat16 (else nets4j runs them in float32). */
  public Support bf16Recurrent() {
    return bf16Recurrent;
  }

  /** One line for reports: features, ATen kernels, and the state of the bf16 paths. */
  public String describe() {
    String list = features.isEmpty() ? "none of " + Arrays.stream(Feature.values()).map(Feature::label).toList()
        : features.stream().map(Feature::label).collect(Collectors.joining(", "));
    return "CPU features " + list + " (from " + featureSource + "); ATen kernels " + atenKernels
        + "; bf16 weight packing " + (bf16WeightPacking.supported() ? "yes" : "no")
        + ", bf16 recurrent kernels " + (bf16Recurrent.supported() ? "yes" : "no (run in float32)");
  }

  @Override
  public String toString() {
    return describe();
  }
}
