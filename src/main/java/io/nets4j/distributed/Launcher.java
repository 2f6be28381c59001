package io.nets4j.distributed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the worker JVMs of one machine of a job, as {@code torchrun} does: {@code nprocPerNode}
 * processes of the same command, each with torchrun's variables ({@code MASTER_ADDR},
 * {@code MASTER_PORT}, {@code WORLD_SIZE}, {@code RANK}, {@code LOCAL_RANK}), and watches them:
 * when one fails, the others are stopped (SIGTERM, then killed after a grace period) and the
 * launcher returns the failing worker's exit code; when the launcher itself is interrupted, it
 * stops its workers the same way. A worker also exits by itself if its launcher disappears
 * ({@link #LAUNCHER_PID}), so that no worker outlives a killed launcher.
 *
 * @param nprocPerNode workers on this machine
 * @param nnodes machines in the job
 * @param nodeRank this machine's index, 0 to nnodes - 1 (node 0 hosts rank 0 and the store)
 * @param masterAddr host of rank 0
 * @param masterPort port of the rendezvous store on it
 * @param timeout the job's rendezvous and collective timeout
 */
public record Launcher(int nprocPerNode, int nnodes, int nodeRank, String masterAddr, int masterPort,
    Duration timeout) {
  /** The variable that tells a worker its launcher's process id. */
  public static final String LAUNCHER_PID = "NETS4J_LAUNCHER_PID";
  /** What {@link #run} returns when the launcher was interrupted (as a shell reports SIGINT). */
  public static final int INTERRUPTED = 130;
  private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);
  private static final Duration GRACE = Duration.ofSeconds(30);

  public Launcher {
    if (nprocPerNode < 1) {
      throw new IllegalArgumentException("--nproc-per-node must be at least 1, got " + nprocPerNode);
    }
    if (nnodes < 1) {
      throw new IllegalArgumentException("--nnodes must be at least 1, got " + nnodes);
    }
    if (nodeRank < 0 || nodeRank >= nnodes) {
      throw new IllegalArgumentException("--node-rank must be in 0.." + (nnodes - 1) + " for --nnodes " + nnodes
          + ", got " + nodeRank);
    }
  }

  public int worldSize() {
    return nprocPerNode * nnodes;
  }

  /** The configuration of the worker with local rank {@code local} on this machine. */
  public DistributedConfig worker(int local, DistributedBackend backend) {
    return new DistributedConfig(masterAddr, masterPort, worldSize(), nodeRank * nprocPerNode + local, local, timeout,
        backend);
  }

  /**
   * Runs {@code java <this JVM's options> -cp <this classpath> mainClass args} once per local rank
   * and waits for all of them. Their output goes to {@code out}, lines of ranks other than 0
   * prefixed with {@code [rank R]}. Returns 0 when all succeed, else the first failure's exit code.
   */
  public int run(String mainClass, List<String> args, DistributedBackend backend, PrintStream out) {
    List<Process> workers = new ArrayList<>();
    List<Thread> pumps = new ArrayList<>();
    AtomicBoolean interrupted = new AtomicBoolean();
    CountDownLatch finished = new CountDownLatch(1);
    // on SIGTERM/SIGINT: pass it on and let the watching thread see the workers out (the JVM ends
    // when this hook returns, so it waits for that thread, which relays the workers' last lines)
    Thread hook = new Thread(() -> {
      interrupted.set(true);
      signal(workers);
      try {
        finished.await(GRACE.toSeconds() + 20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "nets4j-launcher-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      for (int local = 0; local < nprocPerNode; local++) {
        DistributedConfig c = worker(local, backend);
        ProcessBuilder pb = new ProcessBuilder(command(mainClass, args)).redirectErrorStream(true);
        Map<String, String> env = new HashMap<>(c.environment());
        env.put(LAUNCHER_PID, Long.toString(ProcessHandle.current().pid()));
        pb.environment().putAll(env);
        Process p = pb.start();
        synchronized (workers) {
          workers.add(p);
        }
        pumps.add(pump(p.getInputStream(), c.rank() == 0 ? "" : "[rank " + c.rank() + "] ", out));
      }
      int code = watch(workers, interrupted, out);
      drain(pumps);
      if (interrupted.get()) {
        out.println("nets4j launcher: interrupted; the workers have stopped");
        return INTERRUPTED;
      }
      return code;
    } catch (IOException e) {
      stop(workers);
      throw new DistributedException("could not start a worker JVM: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop(workers);
      return INTERRUPTED;
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down: the hook has stopped the workers
      }
    }
  }

  /**
   * Waits until all workers succeed, one fails (then stops the others) or the launcher is
   * interrupted (then waits for the signalled workers, killing them after the grace period).
   */
  private int watch(List<Process> workers, AtomicBoolean interrupted, PrintStream out) throws InterruptedException {
    while (true) {
      if (interrupted.get()) {
        stop(workers);
        return INTERRUPTED;
      }
      boolean allDone = true;
      for (int local = 0; local < workers.size(); local++) {
        Process p = workers.get(local);
        if (p.isAlive()) {
          allDone = false;
        } else if (p.exitValue() != 0 && !interrupted.get()) {
          int rank = nodeRank * nprocPerNode + local;
          out.printf("nets4j launcher: rank %d (pid %d) exited with code %d; stopping the other workers of this "
              + "machine%n", rank, p.pid(), p.exitValue());
          stop(workers);
          return p.exitValue();
        }
      }
      if (allDone) {
        return 0;
      }
      Thread.sleep(100);
    }
  }

  private static void signal(List<Process> workers) {
    synchronized (workers) {
      // through the handle: Process.destroy() would also close the pipes of the workers' output
      workers.forEach(p -> p.toHandle().destroy());
    }
  }

  /** SIGTERM to every live worker (they save a checkpoint and stop), then SIGKILL after 30 s. */
  private static void stop(List<Process> workers) {
    List<Process> copy;
    synchronized (workers) {
      copy = List.copyOf(workers);
    }
    signal(copy);
    long deadline = System.nanoTime() + GRACE.toNanos();
    for (Process p : copy) {
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        if (!p.waitFor(left, TimeUnit.NANOSECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
          p.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void drain(List<Thread> pumps) {
    for (Thread t : pumps) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static List<String> command(String mainClass, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      // a debugger or agent port cannot be shared by several JVMs
      if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent") && !a.startsWith("-Xrunjdwp")) {
        cmd.add(a);
      }
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(args);
    return cmd;
  }

  private static Thread pump(InputStream in, String prefix, PrintStream out) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          out.println(prefix + line);
        }
      } catch (IOException e) {
        // the worker is gone; its exit code tells the story
      }
    }, "nets4j-launcher-output");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /**
   * In a worker: ends this JVM when the launcher that started it is gone (killed without the
   * chance to stop its workers), checking every second.
   */
  public static void exitWithLauncher(Map<String, String> env) {
    String pid = env.get(LAUNCHER_PID);
    if (pid == null) {
      return;
    }
    long id = Long.parseLong(pid.trim());
    Thread t = new Thread(() -> {
      while (ProcessHandle.of(id).map(ProcessHandle::isAlive).orElse(false)) {
        try {
          Thread.sleep(1000);
        } catch (InterruptedException e) {
          return;
        }
      }
      LOG.warn("the launcher (pid {}) is gone; this worker exits", id);
      Runtime.getRuntime().halt(1);
    }, "nets4j-launcher-watch");
    t.setDaemon(true);
    t.start();
  }
}
