package io.nets4j.bench;

import io.nets4j.inference.InferenceOptimizer;
import io.nets4j.inference.InferenceOptions;
import io.nets4j.inference.OptimizedModel;
import io.nets4j.nn.Layer;
import io.nets4j.sequence.Recurrent;
import io.nets4j.tensor.CpuCapabilities;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.NativeMemory;
import io.nets4j.tensor.NativeRuntime;
import io.nets4j.tensor.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import io.nets4j.tensor.Autocast;
import io.nets4j.train.TorchOptimizer;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;

/**
 * Times a model: inference latency at batch 1 and throughput at batch N, or full training steps at
 * batch N as the {@link io.nets4j.train.Trainer} runs them (its optimizer, by default AdamW through
 * ATen's fused kernel, its loss and its bfloat16 autocast; the input is prepared once, in
 * channels-last format with {@code channelsLast}). With {@code optimize}, inference
 * runs the model prepared by {@link InferenceOptimizer} (inference mode, batch norm folded,
 * channels-last); without it, under {@code NoGradGuard}. Every measurement runs its
 * warm-up iterations first, then its timed ones, each in its own {@link Scope}.
 */
public final class Benchmark {
  private Benchmark() {}

  public static BenchResult run(BenchOptions o) {
    Workload w = workload(o);
    Layer model = w.model();
    long params = model.parameterCount();
    if (o.dtype() != DType.FLOAT32 && !o.optimize() && o.mode() == Mode.INFER) {
      model.to(o.dtype());
    }
    boolean channelsLast = o.channelsLast() && !o.optimize() && w.images();
    if (channelsLast) {
      InferenceOptimizer.toChannelsLast(model);
    }
    Stats latency;
    Stats throughput;
    List<String> fallbacks = new ArrayList<>(recurrentFallback(o, model));
    if (o.mode() == Mode.INFER) {
      model.eval();
      Forward f;
      if (o.optimize()) {
        OptimizedModel opt = optimize(w, o);
        fallbacks.addAll(opt.fallbacks());
        f = opt::forward;
      } else {
        f = inference(model);
      }
      latency = timeMs(o, () -> layout(w.input(1, o.dtype()), channelsLast), f);
      Stats batched = o.batch() == 1 ? latency
          : timeMs(o, () -> layout(w.input(o.batch(), o.dtype()), channelsLast), f);
      throughput = batched.reciprocal(1000.0 * o.batch());
    } else {
      latency = trainSteps(o, w, channelsLast);
      throughput = latency.reciprocal(1000.0 * o.batch());
    }
    return new BenchResult(o, w.inputDescription(), w.unit(), params, latency, throughput,
        NativeMemory.peakResidentBytes(), torch.get_num_threads(), NativeRuntime.threadEnvironmentApplied(),
        CpuCapabilities.current().describe(), fallbacks);
  }

  /** Says so when a bfloat16 run's recurrent layers compute in float32 on this CPU. */
  private static List<String> recurrentFallback(BenchOptions o, Layer model) {
    CpuCapabilities.Support recurrent = CpuCapabilities.current().bf16Recurrent();
    boolean hasRecurrent = model.namedModules().values().stream().anyMatch(m -> m instanceof Recurrent);
    return o.dtype() == DType.BFLOAT16 && hasRecurrent && !recurrent.supported()
        ? List.of("recurrent layers run their fused kernels in float32: " + recurrent.reason()) : List.of();
  }

  /**
   * The Java-layer overhead probe of the model of {@code o}, at batch {@code o.batch()}; with
   * {@code o.optimize()}, of the model {@link InferenceOptimizer} prepared (packed, fused layers).
   */
  public static OverheadProbe overhead(BenchOptions o) {
    Workload w = workload(o);
    try (Scope s = Scope.open()) {
      if (o.optimize()) {
        // the prepared model's own layers, on an input already in its dtype and memory format
        Layer model = optimize(w, o).model();
        Tensor x = w.input(o.batch(), o.dtype());
        return OverheadProbe.run(model, w.images() ? x.contiguous(MemoryFormat.ChannelsLast) : x, o.warmup(), o.iters());
      }
      if (o.dtype() != DType.FLOAT32) {
        w.model().to(o.dtype());
      }
      return OverheadProbe.run(w.model(), w.input(o.batch(), o.dtype()), o.warmup(), o.iters());
    }
  }

  /** Loads libtorch and applies the thread count of {@code o} and seed 0. */
  static void setUp(BenchOptions o) {
    NativeRuntime.load();
    if (o.threads() > 0) {
      torch.set_num_threads(o.threads());
    }
    torch.manual_seed(0);
  }

  /** {@link #setUp}, then the workload of {@code o}. */
  static Workload workload(BenchOptions o) {
    setUp(o);
    return Workload.of(o.model(), o.inputSize());
  }

  /** The model of {@code w} prepared in place by {@link InferenceOptimizer} in the dtype of {@code o}. */
  static OptimizedModel optimize(Workload w, BenchOptions o) {
    try (Scope s = Scope.open()) {
      return InferenceOptimizer.optimizeInPlace(w.model(), w.input(1, DType.FLOAT32),
          InferenceOptions.defaults().withDtype(o.dtype()));
    }
  }

  /**
   * Runs {@code step} {@code warmup} times untimed, then {@code iters} times timed, each in its own
   * {@link Scope}; returns the timed ones in milliseconds.
   */
  static double[] timeSteps(int warmup, int iters, Runnable step) {
    double[] ms = new double[iters];
    for (int i = -warmup; i < iters; i++) {
      try (Scope s = Scope.open()) {
        long t0 = System.nanoTime();
        step.run();
        long t = System.nanoTime() - t0;
        if (i >= 0) {
          ms[i] = t / 1e6;
        }
      }
    }
    return ms;
  }

  /** A forward pass of the model being measured. */
  interface Forward {
    Tensor apply(Tensor x);
  }

  /** The eager forward of {@code model}, under {@code NoGradGuard}. */
  static Forward inference(Layer model) {
    return x -> {
      try (NoGradGuard g = new NoGradGuard()) {
        return model.forward(x);
      }
    };
  }

  private static Stats timeMs(BenchOptions o, Supplier<Tensor> input, Forward f) {
    Tensor x;
    try (Scope s = Scope.open()) {
      x = s.keep(input.get());
    }
    return Stats.of(timeSteps(o.warmup(), o.iters(), () -> f.apply(x)));
  }

  private static Tensor layout(Tensor x, boolean channelsLast) {
    return channelsLast ? x.contiguous(MemoryFormat.ChannelsLast) : x;
  }

  private static Stats trainSteps(BenchOptions o, Workload w, boolean channelsLast) {
    Layer model = w.model();
    model.train();
    TorchOptimizer optimizer = o.optimizerSpec().build(model);
    if (o.optimizerSpec().fused() && !optimizer.fused()) {
      System.err.println("note: " + optimizer + " (no fused AdamW kernel in this libtorch)");
    }
    Tensor x;
    Tensor y;
    try (Scope s = Scope.open()) {
      x = s.keep(layout(w.input(o.batch(), DType.FLOAT32), channelsLast));
      y = s.keep(w.target(o.batch()));
    }
    boolean bf16 = o.dtype() == DType.BFLOAT16;
    return Stats.of(timeSteps(o.warmup(), o.iters(), () -> trainStep(w, optimizer, x, y, bf16)));
  }

  /**
   * One training step as the trainer takes it: gradients cleared, forward pass and loss (under
   * bfloat16 autocast when {@code bf16}), backward pass, optimizer step. Returns the loss before
   * the update.
   */
  static Tensor trainStep(Workload w, TorchOptimizer optimizer, Tensor x, Tensor y, boolean bf16) {
    optimizer.zeroGrad();
    Tensor loss;
    try (Autocast a = Autocast.bfloat16If(bf16)) {
      loss = w.loss(x, y);
    }
    loss.backward();
    optimizer.step();
    return loss;
  }
}
