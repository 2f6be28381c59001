package io.nets4j.distributed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Child JVMs on this test's classpath, each logging to a file; {@link #close} kills whatever is
 * still running (with its descendants), so that a failing test leaves no process behind.
 */
public final class ChildJvms implements AutoCloseable {
  private final List<Process> processes = new ArrayList<>();

  /** Starts {@code java -cp <this classpath> mainClass args} with {@code env} added, output to {@code log}. */
  public Process start(String mainClass, List<String> args, Map<String, String> env, Path log) {
    List<String> cmd = new ArrayList<>(List.of(javaExecutable(), "-cp", System.getProperty("java.class.path"),
        mainClass));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    try {
      Process p = pb.start();
      processes.add(p);
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits at most {@code seconds} for {@code p}; returns its exit code, or fails naming {@code log}'s content. */
  public static int exitCode(Process p, long seconds, Path log) throws InterruptedException {
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      throw new AssertionError("a child process did not end within " + seconds + " s; its output:\n" + read(log));
    }
    return p.exitValue();
  }

  public static String read(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A TCP port that was free a moment ago. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** torchrun's variables for rank {@code rank} of {@code world} on loopback, with a short timeout. */
  public static Map<String, String> rankEnvironment(int port, int world, int rank, int timeoutSeconds) {
    return Map.of("MASTER_ADDR", "127.0.0.1", "MASTER_PORT", Integer.toString(port), "WORLD_SIZE",
        Integer.toString(world), "RANK", Integer.toString(rank), "LOCAL_RANK", Integer.toString(rank),
        DistributedConfig.TIMEOUT_VARIABLE, Integer.toString(timeoutSeconds));
  }

  /** Waits at most {@code seconds} until {@code log} contains {@code text}. */
  public static void waitFor(Path log, String text, long seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!read(log).contains(text)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("'" + text + "' did not appear within " + seconds + " s:\n" + read(log));
      }
      Thread.sleep(200);
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : processes) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    for (Process p : processes) {
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static String javaExecutable() {
    return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString());
  }
}
