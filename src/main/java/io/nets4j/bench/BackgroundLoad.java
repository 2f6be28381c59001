package io.nets4j.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A competing busy process at the lowest scheduling priority ({@code nice -n 19}, an endless shell
 * loop) for the duration of a measurement, as another program sharing the cores would be: what
 * batch-1 latency does when the machine is not idle. A low-priority process should barely slow
 * an engine whose threads yield the core to it only briefly; one that sleeps in its thread pool's
 * barriers lets the busy process run at every wake-up. The process is ended by {@link #close},
 * or when this JVM exits.
 */
public final class BackgroundLoad implements AutoCloseable {
  private final Process process;
  private final Thread shutdownHook;

  private BackgroundLoad(Process process) {
    this.process = process;
    this.shutdownHook = new Thread(process::destroyForcibly, "nets4j-background-load-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts the busy process if {@code on}, else returns {@code null} (try-with-resources accepts it). */
  public static BackgroundLoad startIf(boolean on) {
    if (!on) {
      return null;
    }
    try {
      Process p = new ProcessBuilder(List.of("nice", "-n", "19", "sh", "-c", "while :; do :; done"))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return new BackgroundLoad(p);
    } catch (IOException e) {
      throw new UncheckedIOException("--background-load needs `nice` and `sh` on the PATH: " + e.getMessage(), e);
    }
  }

  /** What runs, for the report. */
  public static String describe() {
    return "one busy process at nice 19 (sh loop) competing for the cores";
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Runtime.getRuntime().removeShutdownHook(shutdownHook);
  }
}
