package io.nets4j.bench;

import io.nets4j.tensor.DType;
import io.nets4j.train.OptimizerSpec;
import java.util.Map;
import java.util.TreeSet;

/**
 * What to benchmark and how.
 *
 * @param model a registered model name, or {@link Workload#LSTM_LM}
 * @param batch batch size for the throughput measurement (and the training step)
 * @param threads libtorch intra-op threads ({@code torch.set_num_threads}); 0 keeps libtorch's default
 * @param mode inference or training
 * @param dtype FLOAT32 or BFLOAT16: inference converts weights and input; training runs the forward
 *     under bfloat16 autocast with float32 weights, as the trainer does
 * @param optimize apply {@link io.nets4j.inference.InferenceOptimizer} before an inference benchmark
 * @param warmup untimed iterations before each measurement
 * @param iters timed iterations of each measurement (at least {@value #MIN_ITERS})
 * @param inputSize square input resolution; 0 means the model's native one
 * @param optimizer training: {@code adamw} (the trainer's AdamW, fused where libtorch has the kernel),
 *     {@code adamw-unfused} (libtorch's {@code torch::optim::AdamW}) or {@code sgd} (momentum 0.9)
 * @param channelsLast convolutional image models: weights and the input in channels-last (NHWC)
 *     memory format (implied by {@code optimize})
 */
public record BenchOptions(String model, int batch, int threads, Mode mode, DType dtype, boolean optimize,
    int warmup, int iters, int inputSize, String optimizer, boolean channelsLast) {
  public static final int MIN_ITERS = 10;
  /** The training optimizers by their {@code --optimizer} name. */
  static final Map<String, OptimizerSpec> OPTIMIZERS = Map.of(
      "adamw", OptimizerSpec.adamw(1e-3).withWeightDecay(0.05),
      "adamw-unfused", OptimizerSpec.adamw(1e-3).withWeightDecay(0.05).withFused(false),
      "sgd", OptimizerSpec.sgd(0.1).withWeightDecay(5e-4));

  public BenchOptions {
    if (batch < 1) {
      throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
    }
    if (threads < 0) {
      throw new IllegalArgumentException("--threads must be >= 0, got " + threads);
    }
    if (warmup < 0) {
      throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
    }
    if (iters < MIN_ITERS) {
      throw new IllegalArgumentException("--iters must be >= " + MIN_ITERS + " for a median and spread, got " + iters);
    }
    if (inputSize < 0) {
      throw new IllegalArgumentException("--size must be >= 0, got " + inputSize);
    }
    if (dtype != DType.FLOAT32 && dtype != DType.BFLOAT16) {
      throw new IllegalArgumentException("--dtype must be f32 or bf16, got " + dtype.torchName());
    }
    if (optimize && mode == Mode.TRAIN) {
      throw new IllegalArgumentException("--optimize applies to inference only (it folds batch norm)");
    }
    if (!OPTIMIZERS.containsKey(optimizer)) {
      throw new IllegalArgumentException("unknown --optimizer '" + optimizer + "' (expected one of "
          + new TreeSet<>(OPTIMIZERS.keySet()) + ")");
    }
  }

  /** The training optimizer's settings (the learning rate does not change the step time). */
  public OptimizerSpec optimizerSpec() {
    return OPTIMIZERS.get(optimizer);
  }

  /**
   * Inference at batch 8, default threads, float32, 3 warm-up and 20 timed iterations, native size;
   * training with AdamW, contiguous (NCHW) tensors.
   */
  public static BenchOptions defaults(String model) {
    return new BenchOptions(model, 8, 0, Mode.INFER, DType.FLOAT32, false, 3, 20, 0, "adamw", false);
  }

  public BenchOptions withBatch(int n) {
    return new BenchOptions(model, n, threads, mode, dtype, optimize, warmup, iters, inputSize, optimizer, channelsLast);
  }

  public BenchOptions withThreads(int t) {
    return new BenchOptions(model, batch, t, mode, dtype, optimize, warmup, iters, inputSize, optimizer, channelsLast);
  }

  public BenchOptions withMode(Mode m) {
    return new BenchOptions(model, batch, threads, m, dtype, optimize, warmup, iters, inputSize, optimizer, channelsLast);
  }

  public BenchOptions withDtype(DType d) {
    return new BenchOptions(model, batch, threads, mode, d, optimize, warmup, iters, inputSize, optimizer, channelsLast);
  }

  public BenchOptions withOptimize(boolean on) {
    return new BenchOptions(model, batch, threads, mode, dtype, on, warmup, iters, inputSize, optimizer, channelsLast);
  }

  public BenchOptions withIterations(int warmupIters, int timedIters) {
    return new BenchOptions(model, batch, threads, mode, dtype, optimize, warmupIters, timedIters, inputSize, optimizer, channelsLast);
  }

  public BenchOptions withInputSize(int s) {
    return new BenchOptions(model, batch, threads, mode, dtype, optimize, warmup, iters, s, optimizer, channelsLast);
  }

  public BenchOptions withModel(String name) {
    return new BenchOptions(name, batch, threads, mode, dtype, optimize, warmup, iters, inputSize, optimizer, channelsLast);
  }

  public BenchOptions withOptimizer(String name) {
    return new BenchOptions(model, batch, threads, mode, dtype, optimize, warmup, iters, inputSize, name, channelsLast);
  }

  public BenchOptions withChannelsLast(boolean on) {
    return new BenchOptions(model, batch, threads, mode, dtype, optimize, warmup, iters, inputSize, optimizer, on);
  }

  /** The command-line arguments of {@code nets4j bench} that reproduce these options. */
  public java.util.List<String> toArguments() {
    java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of(model, "--batch", "" + batch,
        "--threads", "" + threads, "--mode", mode.label(), "--dtype", dtype == DType.BFLOAT16 ? "bf16" : "f32",
        "--warmup", "" + warmup, "--iters", "" + iters, "--size", "" + inputSize));
    if (optimize) {
      a.add("--optimize");
    }
    if (mode == Mode.TRAIN) {
      a.add("--optimizer");
      a.add(optimizer);
    }
    if (channelsLast) {
      a.add("--channels-last");
    }
    return a;
  }
}
