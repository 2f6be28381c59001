package io.nets4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.global.torch;

/**
 * The machine and software a benchmark ran on, for the record next to its numbers.
 *
 * @param cpu CPU model name
 * @param cores logical processors available to the JVM
 * @param cpuFeatures the instruction-set extensions that matter to libtorch on this CPU (AVX2, AVX-512, BF16, AMX)
 * @param cpuCapability the kernel set libtorch dispatches to ({@code torch.get_cpu_capability})
 * @param java Java runtime version
 * @param libtorch the bytedeco pytorch presets version (libtorch version - presets version)
 * @param os operating system
 */
public record MachineInfo(String cpu, int cores, List<String> cpuFeatures, String cpuCapability, String java,
    String libtorch, String os) {
  private static final List<String> FEATURES = List.of("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile");

  public static MachineInfo current() {
    String cpu = System.getProperty("os.arch");
    List<String> features = new ArrayList<>();
    Path info = Path.of("/proc/cpuinfo");
    if (Files.isReadable(info)) {
      try {
        for (String line : Files.readAllLines(info)) {
          if (line.startsWith("model name") && cpu.equals(System.getProperty("os.arch"))) {
            cpu = line.substring(line.indexOf(':') + 1).trim();
          } else if (line.startsWith("flags") && features.isEmpty()) {
            List<String> flags = List.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
            FEATURES.stream().filter(flags::contains).forEach(features::add);
          }
        }
      } catch (IOException e) {
        // the record then shows the architecture only
      }
    }
    String libtorch = torch.class.getPackage().getImplementationVersion();
    return new MachineInfo(cpu, Runtime.getRuntime().availableProcessors(), List.copyOf(features),
        torch.get_cpu_capability().getString(), Runtime.version().toString(),
        libtorch == null ? "unknown" : libtorch, System.getProperty("os.name") + " " + System.getProperty("os.version"));
  }

  /** Markdown lines describing the machine. */
  public String markdown() {
    return "- CPU: " + cpu + ", " + cores + " logical cores; features: "
        + (cpuFeatures.isEmpty() ? "none of " + FEATURES : String.join(", ", cpuFeatures))
        + "; libtorch kernels: " + cpuCapability + "\n"
        + "- Software: nets4j 0.1.0, Java " + java + ", libtorch (bytedeco pytorch) " + libtorch + ", " + os + "\n";
  }
}
