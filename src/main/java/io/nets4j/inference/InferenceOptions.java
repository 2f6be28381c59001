package io.nets4j.inference;

import io.nets4j.tensor.DType;

/**
 * Which inference optimisations {@link InferenceOptimizer} applies.
 *
 * @param foldBatchNorm fold every batch norm that directly follows a convolution into it
 * @param channelsLast store 4-d weights and run on inputs in channels-last (NHWC) memory format,
 *     which oneDNN's convolutions prefer on CPUs
 * @param dtype FLOAT32, or BFLOAT16 to convert weights and inputs (fast on CPUs with AVX-512-BF16 or AMX)
 * @param threads libtorch intra-op threads to set (process-wide); 0 leaves the setting alone
 * @param packWeights reorder convolution weights once into oneDNN's layout and run them with its
 *     inference kernel ({@code Conv2d.packForInference}); ignored where libtorch lacks oneDNN or the
 *     model is not on the CPU
 */
public record InferenceOptions(boolean foldBatchNorm, boolean channelsLast, DType dtype, int threads,
    boolean packWeights) {
  public InferenceOptions {
    if (dtype != DType.FLOAT32 && dtype != DType.BFLOAT16) {
      throw new IllegalArgumentException("inference dtype must be float32 or bfloat16, got " + dtype.torchName());
    }
    if (threads < 0) {
      throw new IllegalArgumentException("threads must be >= 0, got " + threads);
    }
  }

  /** Batch norm folding, channels-last and packed convolution weights, float32, threads unchanged. */
  public static InferenceOptions defaults() {
    return new InferenceOptions(true, true, DType.FLOAT32, 0, true);
  }

  /** Inference mode only: the model's numbers are untouched. */
  public static InferenceOptions none() {
    return new InferenceOptions(false, false, DType.FLOAT32, 0, false);
  }

  public InferenceOptions withFoldBatchNorm(boolean on) {
    return new InferenceOptions(on, channelsLast, dtype, threads, packWeights);
  }

  public InferenceOptions withChannelsLast(boolean on) {
    return new InferenceOptions(foldBatchNorm, on, dtype, threads, packWeights);
  }

  public InferenceOptions withDtype(DType d) {
    return new InferenceOptions(foldBatchNorm, channelsLast, d, threads, packWeights);
  }

  public InferenceOptions withThreads(int t) {
    return new InferenceOptions(foldBatchNorm, channelsLast, dtype, t, packWeights);
  }

  public InferenceOptions withPackWeights(boolean on) {
    return new InferenceOptions(foldBatchNorm, channelsLast, dtype, threads, on);
  }
}
