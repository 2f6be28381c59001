package io.nets4j.bench;

import io.nets4j.tensor.CpuCapabilities;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.global.torch;

/**
 * The machine and software a benchmark ran on, for the record next to its numbers.
 *
 * @param cpu CPU model name
 * @param cores logical processors available to the JVM
 * @param capabilities what the CPU lets libtorch do ({@link CpuCapabilities}): the instruction-set
 *     extensions that matter (AVX2, AVX-512, AVX-512-BF16, AMX), ATen's kernel set, the bf16 paths
 * @param java Java runtime version
 * @param libtorch the bytedeco pytorch presets version (libtorch version - presets version)
 * @param os operating system
 */
public record MachineInfo(String cpu, int cores, CpuCapabilities capabilities, String java, String libtorch,
    String os) {

  public static MachineInfo current() {
    String cpu = System.getProperty("os.arch");
    Path info = Path.of("/proc/cpuinfo");
    if (Files.isReadable(info)) {
      try (var lines = Files.lines(info)) {
        cpu = lines.filter(l -> l.startsWith("model name")).findFirst()
            .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
      } catch (IOException | java.io.UncheckedIOException e) {
        // the record then shows the architecture only
      }
    }
    String libtorch = torch.class.getPackage().getImplementationVersion();
    return new MachineInfo(cpu, Runtime.getRuntime().availableProcessors(), CpuCapabilities.current(),
        Runtime.version().toString(), libtorch == null ? "unknown" : libtorch,
        System.getProperty("os.name") + " " + System.getProperty("os.version"));
  }

  /** Markdown lines describing the machine. */
  public String markdown() {
    return "- CPU: " + cpu + ", " + cores + " logical cores; " + capabilities.describe() + "\n"
        + "- Software: nets4j 0.1.0, Java " + java + ", libtorch (bytedeco pytorch) " + libtorch + ", " + os + "\n";
  }
}
