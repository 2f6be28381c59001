package io.nets4j.bench;

import io.nets4j.tensor.NativeRuntime;
import java.util.Locale;

/**
 * The effect of nets4j's native thread environment ({@link NativeRuntime#THREAD_ENVIRONMENT}):
 * the same benchmark in two fresh JVMs, one as nets4j sets it up and one with libtorch's OpenMP and
 * OpenBLAS defaults (busy-waiting thread pools that compete for the cores).
 *
 * @param withEnvironment the run with nets4j's settings
 * @param withoutEnvironment the run with the runtimes' defaults
 */
public record ThreadEnvironmentComparison(BenchResult withEnvironment, BenchResult withoutEnvironment) {

  public static ThreadEnvironmentComparison run(BenchOptions options) {
    BenchResult with = ChildJvm.run(options, false);
    BenchResult without = ChildJvm.run(options, true);
    return new ThreadEnvironmentComparison(with, without);
  }

  public String text() {
    String what = withEnvironment.options().mode() == Mode.INFER ? "latency at batch 1"
        : "training step at batch " + withEnvironment.options().batch();
    return String.format(Locale.ROOT, "%s, median %s, each in a fresh JVM:%n"
            + "  with the thread environment %-28s %9.2f ms  (p10 %.2f, p90 %.2f)%n"
            + "  with the runtimes' defaults %-28s %9.2f ms  (p10 %.2f, p90 %.2f)%n"
            + "  ratio %.2fx%n",
        withEnvironment.options().model(), what,
        NativeRuntime.THREAD_ENVIRONMENT.toString(), withEnvironment.latencyMs().median(),
        withEnvironment.latencyMs().p10(), withEnvironment.latencyMs().p90(),
        "(keepThreadEnvironment)", withoutEnvironment.latencyMs().median(),
        withoutEnvironment.latencyMs().p10(), withoutEnvironment.latencyMs().p90(),
        withoutEnvironment.latencyMs().median() / withEnvironment.latencyMs().median());
  }
}
