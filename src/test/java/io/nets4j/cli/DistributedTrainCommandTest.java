package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nets4j.distributed.ChildJvms;
import io.nets4j.train.Checkpoints;
import io.nets4j.train.RunInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} as a data-parallel job of 2 processes on 127.0.0.1: through the launcher, as two
 * separately started nodes, resumed, and with a worker killed or misconfigured. Every child JVM
 * is killed when its test ends (ChildJvms); every wait is bounded.
 */
class DistributedTrainCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MAIN = Main.class.getName();

  @TempDir
  Path tmp;

  /** A small job: resnet20_cifar on 64 shapes of 16 px, 4 steps of 2 x 8 images per epoch. */
  private List<String> job(String name, int epochs, String... extra) {
    List<String> a = new ArrayList<>(List.of("train", "--data", "shapes", "--model", "resnet20_cifar", "--size",
        "16", "--train-size", "64", "--val-size", "32", "--batch", "8", "--epochs", Integer.toString(epochs),
        "--schedule", "constant", "--warmup", "0", "--log-every", "2", "--progress", "plain", "--out",
        tmp.resolve("runs").toString(), "--name", name));
    a.addAll(List.of(extra));
    return a;
  }

  @Test
  void separateNodesAndTheLauncherTrainTheSameJobAndResumeContinuesIt() throws Exception {
    // two machines of one process each, started separately (here both on loopback)
    int port = ChildJvms.freePort();
    List<Process> nodes = new ArrayList<>();
    try (ChildJvms jvms = new ChildJvms()) {
      for (int node = 0; node < 2; node++) {
        // the run directory is rank 0's: the other node's name does not matter (nor is it written)
        nodes.add(jvms.start(MAIN, job(node == 0 ? "nodes" : "other-name", 2, "--nnodes", "2", "--node-rank", Integer.toString(node),
            "--nproc-per-node", "1", "--master-addr", "127.0.0.1", "--master-port", Integer.toString(port),
            "--dist-timeout", "60", "--threads", "1", "--sync-batch-norm"), Map.of(), log("node" + node)));
      }
      for (int node = 0; node < 2; node++) {
        Path log = log("node" + node);
        assertEquals(0, ChildJvms.exitCode(nodes.get(node), 240, log), () -> ChildJvms.read(log));
      }
    }
    Path uninterrupted = tmp.resolve("runs/nodes");
    assertTrue(!Files.exists(tmp.resolve("runs/other-name")), "only rank 0 writes");
    assertEquals(2, RunInfo.read(uninterrupted).worldSize());
    assertEquals(8, Checkpoints.info(Checkpoints.resolve(uninterrupted)).step(), "2 epochs of 64 / (2 x 8) steps");

    // the same job through the launcher, stopped after one epoch and resumed for the second
    CliTest.Run first = CliTest.run(job("launched", 1, "--nproc-per-node", "2", "--master-port",
        Integer.toString(ChildJvms.freePort()), "--dist-timeout", "60", "--sync-batch-norm").toArray(new String[0]));
    assertEquals(0, first.exit(), first.out() + first.err());
    assertTrue(first.out().contains("data parallel: 2 processes"), first.out());
    Path launched = tmp.resolve("runs/launched");
    RunInfo info = RunInfo.read(launched);
    assertEquals(2, info.worldSize());
    assertTrue(info.syncBatchNorm());
    for (String f : List.of("metrics.jsonl", "steps.jsonl", "plots/loss.png", "checkpoints/latest.json")) {
      assertTrue(Files.isRegularFile(launched.resolve(f)), f);
    }
    CliTest.Run alone = CliTest.run("train", "--resume", launched.toString(), "--epochs", "2");
    assertEquals(1, alone.exit());
    assertTrue(alone.err().contains("was trained by 2 processes, this job has 1"), alone.err());
    CliTest.Run resumed = CliTest.run("train", "--resume", launched.toString(), "--epochs", "2", "--nproc-per-node",
        "2", "--master-port", Integer.toString(ChildJvms.freePort()), "--dist-timeout", "60");
    assertEquals(0, resumed.exit(), resumed.out() + resumed.err());
    List<JsonNode> a = metrics(uninterrupted);
    List<JsonNode> b = metrics(launched);
    assertEquals(2, b.size());
    for (int e = 0; e < 2; e++) {
      for (String key : List.of("train_loss", "train_acc", "val_loss", "val_top1")) {
        assertEquals(a.get(e).get(key).asDouble(), b.get(e).get(key).asDouble(), 1e-6, "epoch " + (e + 1) + " "
            + key);
      }
    }
  }

  @Test
  void killingAWorkerStopsTheOtherWithAMessage() throws Exception {
    int port = ChildJvms.freePort();
    List<Process> ranks = new ArrayList<>();
    try (ChildJvms jvms = new ChildJvms()) {
      for (int r = 0; r < 2; r++) {
        // started as torchrun starts workers: only the environment says which rank they are
        List<String> args = new ArrayList<>(job("killed", 50, "--threads", "1"));
        args.set(args.indexOf("--train-size") + 1, "512");
        ranks.add(jvms.start(MAIN, args, ChildJvms.rankEnvironment(port, 2, r, 20), log("rank" + r)));
      }
      ChildJvms.waitFor(log("rank0"), "epoch 1/50", 180);
      ranks.get(1).destroyForcibly();
      int code = ChildJvms.exitCode(ranks.get(0), 120, log("rank0"));
      String out = ChildJvms.read(log("rank0"));
      assertNotEquals(0, code, out);
      assertTrue(out.contains("nets4j train: rank 0 of 2:") && out.contains("failed"), out);
    }
  }

  @Test
  void theLauncherStopsItsWorkersWhenOneDiesAndWorkersDieWithTheirLauncher() throws Exception {
    try (ChildJvms jvms = new ChildJvms()) {
      // a worker dies: the launcher stops the other one and fails with the dead worker's code
      Process launcher = jvms.start(MAIN, longJob("failing", ChildJvms.freePort()), Map.of(), log("failing"));
      ChildJvms.waitFor(log("failing"), "epoch 1/50", 180);
      List<ProcessHandle> workers = launcher.children().toList();
      assertEquals(2, workers.size(), ChildJvms.read(log("failing")));
      workers.get(1).destroyForcibly();
      int code = ChildJvms.exitCode(launcher, 120, log("failing"));
      String out = ChildJvms.read(log("failing"));
      assertNotEquals(0, code, out);
      assertTrue(out.contains("exited with code") && out.contains("the job failed"), out);
      assertGone(workers, out);

      // the launcher is killed without a chance to stop its workers: they exit by themselves
      Process killed = jvms.start(MAIN, longJob("orphans", ChildJvms.freePort()), Map.of(), log("orphans"));
      ChildJvms.waitFor(log("orphans"), "epoch 1/50", 180);
      List<ProcessHandle> orphans = killed.children().toList();
      killed.destroyForcibly();
      assertGone(orphans, ChildJvms.read(log("orphans")));
    }
  }

  @Test
  void interruptingTheLauncherStopsEveryWorkerAtOneStepWithACheckpointThatResumes() throws Exception {
    List<String> args = new ArrayList<>(job("interrupted", 2, "--nproc-per-node", "2", "--master-port",
        Integer.toString(ChildJvms.freePort()), "--dist-timeout", "60"));
    args.set(args.indexOf("--train-size") + 1, "256");
    Path run = tmp.resolve("runs/interrupted");
    try (ChildJvms jvms = new ChildJvms()) {
      Process launcher = jvms.start(MAIN, args, Map.of(), log("interrupted"));
      ChildJvms.waitFor(log("interrupted"), "epoch 1/2 ", 180);
      List<ProcessHandle> workers = launcher.children().toList();
      launcher.destroy(); // SIGTERM, as Ctrl-C
      ChildJvms.exitCode(launcher, 120, log("interrupted"));
      assertGone(workers, ChildJvms.read(log("interrupted")));
    }
    String out = ChildJvms.read(log("interrupted"));
    assertTrue(out.contains("stopped at step"), out);
    long stoppedAt = Checkpoints.info(Checkpoints.resolve(run)).step();
    assertTrue(stoppedAt > 0 && stoppedAt < 32, "stopped at step " + stoppedAt + " of 32:\n" + out);
    CliTest.Run resumed = CliTest.run("train", "--resume", run.toString(), "--nproc-per-node", "2", "--master-port",
        Integer.toString(ChildJvms.freePort()), "--dist-timeout", "60");
    assertEquals(0, resumed.exit(), resumed.out() + resumed.err());
    assertTrue(resumed.out().contains("resumed from"), resumed.out());
    assertEquals(32, Checkpoints.info(Checkpoints.resolve(run)).step());
    assertEquals(2, metrics(run).size());
  }

  private List<String> longJob(String name, int port) {
    List<String> args = new ArrayList<>(job(name, 50, "--nproc-per-node", "2", "--master-port", Integer.toString(port),
        "--dist-timeout", "20"));
    args.set(args.indexOf("--train-size") + 1, "512");
    return args;
  }

  /** Waits (at most 60 s) until none of {@code processes} is alive. */
  private static void assertGone(List<ProcessHandle> processes, String log) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (processes.stream().anyMatch(ProcessHandle::isAlive)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("workers still alive after 60 s: " + processes + "\n" + log);
      }
      Thread.sleep(200);
    }
  }

  @Test
  void ranksWithOtherSettingsFailBeforeTraining() throws Exception {
    int port = ChildJvms.freePort();
    List<Process> ranks = new ArrayList<>();
    try (ChildJvms jvms = new ChildJvms()) {
      for (int r = 0; r < 2; r++) {
        ranks.add(jvms.start(MAIN, job("mismatch", 1, "--threads", "1", "--lr", r == 0 ? "0.001" : "0.002"),
            ChildJvms.rankEnvironment(port, 2, r, 30), log("rank" + r)));
      }
      for (int r = 0; r < 2; r++) {
        int code = ChildJvms.exitCode(ranks.get(r), 120, log("rank" + r));
        String out = ChildJvms.read(log("rank" + r));
        assertEquals(1, code, out);
        assertTrue(out.contains("rank " + r + " of 2: the ranks disagree on the run settings"), out);
        assertTrue(!out.contains("epoch 1/1"), "no training step ran:\n" + out);
      }
    }
  }

  @Test
  void benchComparesTwoProcessesWithOneProcessOfAllThreads() {
    CliTest.Run r = CliTest.run("bench", "resnet20_cifar", "--mode", "train", "--nproc-per-node", "2", "--batch", "2",
        "--size", "16", "--warmup", "1", "--iters", "10", "--threads", "1", "--master-port",
        Integer.toString(ChildJvms.freePort()));
    assertEquals(0, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("resnet20_cifar data parallel, 4 images per step (batch 2 per process): 1 process x 2 "
        + "threads vs 2 processes x 1 threads"), r.out());
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("scaling efficiency (\\d+\\.\\d+)").matcher(r.out());
    assertTrue(m.find() && Double.parseDouble(m.group(1)) > 0, r.out());
    // the raw allreduce moves exactly the model's gradient bytes (float32)
    long parameters = io.nets4j.models.Models.create("resnet20_cifar").parameterCount();
    assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "gradients %.1f MB: raw allreduce",
        parameters * 4 / 1e6)), r.out());
    CliTest.Run bad = CliTest.run("bench", "resnet20_cifar", "--nproc-per-node", "2");
    assertEquals(1, bad.exit());
    assertTrue(bad.err().contains("--nproc-per-node measures training: add --mode train"), bad.err());
  }

  private Path log(String name) {
    return tmp.resolve(name + ".log");
  }

  private static List<JsonNode> metrics(Path run) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String l : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      lines.add(JSON.readTree(l));
    }
    return lines;
  }
}
