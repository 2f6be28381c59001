package io.nets4j.bench;

import io.nets4j.tensor.NativeRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs {@code nets4j bench ... --json} in a fresh JVM with this JVM's classpath, so that each
 * measurement starts from a clean process (its own native thread environment and peak memory).
 */
final class ChildJvm {
  private ChildJvm() {}

  /**
   * Runs the benchmark of {@code options} in a child JVM.
   *
   * @param keepThreadEnvironment start the child with {@code -Dnets4j.keepThreadEnvironment=true}
   *     and without the variables of {@link NativeRuntime#THREAD_ENVIRONMENT}: libtorch then runs
   *     with the OpenMP and OpenBLAS defaults
   */
  static BenchResult run(BenchOptions options, boolean keepThreadEnvironment) {
    return BenchResult.parse(output(options, keepThreadEnvironment, List.of()));
  }

  /** Runs the {@link OptimisationLadder} of {@code options}' model in a child JVM. */
  static OptimisationLadder.Result ladder(BenchOptions options) {
    return OptimisationLadder.Result.parse(output(options, false, List.of("--ladder")));
  }

  private static String output(BenchOptions options, boolean keepThreadEnvironment, List<String> extra) {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaExecutable());
    cmd.add("-Xss4m");
    if (keepThreadEnvironment) {
      cmd.add("-Dnets4j.keepThreadEnvironment=true");
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.nets4j.cli.Main");
    cmd.add("bench");
    cmd.addAll(options.toArguments());
    cmd.addAll(extra);
    cmd.add("--json");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
    Map<String, String> env = pb.environment();
    if (keepThreadEnvironment) {
      NativeRuntime.THREAD_ENVIRONMENT.keySet().forEach(env::remove);
    }
    try {
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int code = p.waitFor();
      if (code != 0) {
        throw new IllegalStateException("the benchmark of " + options.model() + " in a child JVM failed (exit "
            + code + ")");
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("could not start a child JVM: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the child JVM ran", e);
    }
  }

  private static String javaExecutable() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }
}
