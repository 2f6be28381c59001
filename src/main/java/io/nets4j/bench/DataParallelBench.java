package io.nets4j.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nets4j.distributed.DistributedBackend;
import io.nets4j.distributed.DistributedConfig;
import io.nets4j.distributed.DistributedGroup;
import io.nets4j.distributed.GradientReducer;
import io.nets4j.distributed.Launcher;
import io.nets4j.distributed.ProcessGroups;
import io.nets4j.nn.Layer;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * {@code nets4j bench MODEL --mode train --nproc-per-node N}: what data parallelism costs and
 * gains on this machine. Two jobs on loopback: one process with N x T threads at batch N x B,
 * and N processes with T threads at batch B each (the same images per step). In each process a
 * step is forward, loss and backward on random inputs (no optimizer update, which is local and the
 * same in both). Reported: the step time without and with the gradient reduction
 * ({@link GradientReducer}, overlapped with backward), the share of the step the reduction adds,
 * the scaling efficiency (one-process step time / N-process step time at the same images per
 * step), and the allreduce bandwidth of the gradients' bytes against a raw {@code allreduce} of a
 * flat tensor of the same size (bytes / time, as {@code nccl-tests}' "algorithm bandwidth").
 */
public final class DataParallelBench {
  private static final String MARKER = "nets4j-data-parallel-bench ";
  private static final ObjectMapper JSON = new ObjectMapper();

  private DataParallelBench() {}

  /** One job's numbers (rank 0's medians). */
  public record Job(int processes, int threads, int batch, double localMs, double reducedMs, long gradientBytes,
      double rawAllreduceMs) {}

  /** Starts both jobs through the {@link Launcher} and reports them. */
  public static String run(BenchOptions o, int processes, int port) {
    int threads = o.threads() > 0 ? o.threads() : Math.max(1, Runtime.getRuntime().availableProcessors() / processes);
    Job one = job(o, 1, threads * processes, o.batch() * processes, port);
    Job many = job(o, processes, threads, o.batch(), port);
    double efficiency = one.localMs() / many.reducedMs();
    double share = Math.max(0, many.reducedMs() - many.localMs()) / many.reducedMs();
    double gb = many.gradientBytes() / 1e9;
    return String.format(Locale.ROOT, """
        %s data parallel, %d images per step (%s): %d process x %d threads vs %d processes x %d threads, Gloo on 127.0.0.1
          one process:     step %.1f ms
          %d processes:     step %.1f ms without the gradient reduction, %.1f ms with it: communication adds %.0f%% of the step
          scaling efficiency %.2f (one-process step time / %d-process step time; 1 = perfect)
          gradients %.1f MB: raw allreduce %.1f ms = %.2f GB/s; exposed reduction time %.1f ms per step
          load average %s (the machine is shared: the numbers move with it)
        """, o.model(), o.batch() * processes, "batch " + o.batch() + " per process", 1, one.threads(), processes,
        threads, one.localMs(), processes, many.localMs(), many.reducedMs(), 100 * share, efficiency, processes,
        many.gradientBytes() / 1e6, many.rawAllreduceMs(), gb / (many.rawAllreduceMs() / 1000),
        Math.max(0, many.reducedMs() - many.localMs()), String.format(Locale.ROOT, "%.2f",
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
  }

  private static Job job(BenchOptions o, int processes, int threads, int batch, int port) {
    Launcher launcher = new Launcher(processes, 1, 0, "127.0.0.1", port, Duration.ofMinutes(10));
    List<String> args = new ArrayList<>(List.of("bench", o.model(), "--mode", "train", "--batch",
        Integer.toString(batch), "--threads", Integer.toString(threads), "--warmup", Integer.toString(o.warmup()),
        "--iters", Integer.toString(o.iters()), "--size", Integer.toString(o.inputSize()), "--nproc-per-node",
        Integer.toString(processes)));
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code = launcher.run("io.nets4j.cli.Main", args, DistributedBackend.GLOO,
        new PrintStream(captured, true, StandardCharsets.UTF_8));
    String out = captured.toString(StandardCharsets.UTF_8);
    if (code != 0) {
      throw new IllegalStateException("the " + processes + "-process benchmark failed (exit " + code + "):\n" + out);
    }
    return out.lines().filter(l -> l.startsWith(MARKER)).findFirst().map(l -> parse(l.substring(MARKER.length())))
        .orElseThrow(() -> new IllegalStateException("no result from the benchmark's rank 0:\n" + out));
  }

  private static Job parse(String json) {
    try {
      return JSON.readValue(json, Job.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("unreadable benchmark result " + json, e);
    }
  }

  /** In a worker of the job (torchrun's variables set): times the steps and prints rank 0's result. */
  public static void worker(BenchOptions o, DistributedConfig config) {
    if (o.threads() > 0) {
      torch.set_num_threads(o.threads());
    }
    DistributedGroup group = ProcessGroups.connect(config);
    torch.manual_seed(0);
    Workload w = Workload.of(o.model(), o.inputSize());
    Layer model = w.model();
    model.train();
    List<Tensor> params = new ArrayList<>();
    long bytes = 0;
    for (Tensor p : model.parameters()) {
      if (p.requires_grad()) {
        params.add(p);
        bytes += p.numel() * p.element_size();
      }
    }
    double local = median(o, group, w, null);
    double reduced = median(o, group, w, new GradientReducer(group, params, GradientReducer.DEFAULT_BUCKET_BYTES));
    double raw;
    try (Scope s = Scope.open()) {
      Tensor flat = torch.ones(new long[] {bytes / 4}, Tensors.options(DType.FLOAT32));
      double[] t = new double[o.iters()];
      for (int i = -o.warmup(); i < o.iters(); i++) {
        group.barrier();
        long start = System.nanoTime();
        group.allreduceSum(flat);
        if (i >= 0) {
          t[i] = (System.nanoTime() - start) / 1e6;
        }
      }
      raw = Stats.of(t).median();
    }
    if (group.isMaster()) {
      try {
        System.out.println(MARKER + JSON.writeValueAsString(new Job(group.worldSize(), torch.get_num_threads(),
            o.batch(), local, reduced, bytes, raw)));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** The median step time, with the gradients reduced by {@code reducer} or ({@code null}) kept local. */
  private static double median(BenchOptions o, DistributedGroup group, Workload w, GradientReducer reducer) {
    double[] t = new double[o.iters()];
    for (int i = -o.warmup(); i < o.iters(); i++) {
      try (Scope s = Scope.open()) {
        Tensor x = w.input(o.batch(), DType.FLOAT32);
        Tensor y = w.target(o.batch());
        for (Tensor p : w.model().parameters()) {
          if (p.grad().defined()) {
            p.grad().zero_();
          }
        }
        group.barrier();
        long start = System.nanoTime();
        if (reducer != null) {
          reducer.beforeForward();
        }
        Tensor loss = w.loss(x, y);
        if (reducer != null) {
          reducer.beforeBackward(loss);
        }
        loss.backward();
        if (i >= 0) {
          t[i] = (System.nanoTime() - start) / 1e6;
        }
      }
    }
    return Stats.of(t).median();
  }
}
