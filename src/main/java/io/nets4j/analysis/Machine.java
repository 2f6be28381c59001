package io.nets4j.analysis;

import io.nets4j.tensor.NativeRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The machine a measurement ran on, so that latencies are read with their context.
 *
 * @param cpuModel the CPU's {@code model name} from {@code /proc/cpuinfo} ({@code unknown} elsewhere)
 * @param logicalCores processors available to the JVM
 * @param libtorch the libtorch version ({@code TORCH_VERSION} of its build configuration)
 * @param cpuCapability the vector instruction set libtorch's kernels use ({@code AVX512}, {@code AVX2}, ...)
 * @param threads libtorch's intra-op threads
 * @param loadAverage the one-minute load average from {@code /proc/loadavg}, or {@code NaN} where unknown
 * @param jvm the Java runtime
 * @param os the operating system and architecture
 */
public record Machine(String cpuModel, int logicalCores, String libtorch, String cpuCapability, int threads,
    double loadAverage, String jvm, String os) {
  private static final Pattern TORCH_VERSION = Pattern.compile("TORCH_VERSION=([^,\\s]+)");
  private static final Pattern CAPABILITY = Pattern.compile("CPU capability usage: (\\S+)");

  /** The machine this JVM runs on, now. */
  public static Machine current() {
    NativeRuntime.load();
    String config = torch.show_config().getString();
    String libtorch = first(TORCH_VERSION, config, Tensor.class.getPackage().getImplementationVersion());
    return new Machine(readCpuModel(), Runtime.getRuntime().availableProcessors(), libtorch,
        first(CAPABILITY, config, "unknown"), torch.get_num_threads(), currentLoadAverage(),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
        System.getProperty("os.name") + " " + System.getProperty("os.arch"));
  }

  private static String first(Pattern p, String text, String fallback) {
    Matcher m = p.matcher(text);
    return m.find() ? m.group(1) : String.valueOf(fallback);
  }

  private static String readCpuModel() {
    for (String line : lines(Path.of("/proc/cpuinfo"))) {
      if (line.startsWith("model name")) {
        return line.substring(line.indexOf(':') + 1).trim();
      }
    }
    return "unknown";
  }

  /** The one-minute load average, or {@code NaN} where the system does not tell it. */
  public static double currentLoadAverage() {
    List<String> lines = lines(Path.of("/proc/loadavg"));
    if (lines.isEmpty()) {
      return Double.NaN;
    }
    try {
      return Double.parseDouble(lines.get(0).trim().split("\\s+")[0]);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException | SecurityException e) {
      return List.of();
    }
  }
}
