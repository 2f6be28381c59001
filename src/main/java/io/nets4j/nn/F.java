package io.nets4j.nn;

import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Context;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The functional API: stateless operations with plain Java signatures over libtorch's kernels.
 * Optional tensors are plain (nullable) {@link Tensor}s; sizes are {@code int}s.
 */
public final class F {
  private F() {}

  static TensorOptional optional(Tensor t) {
    return t == null ? new TensorOptional() : new TensorOptional(t);
  }

  public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, ConvSpec spec) {
    return torch.conv2d(x, weight, optional(bias), spec.strides(), spec.paddings(), spec.dilations(), spec.groups());
  }

  public static Tensor convTranspose2d(Tensor x, Tensor weight, Tensor bias, ConvSpec spec, int outputPadding) {
    return torch.conv_transpose2d(x, weight, optional(bias), spec.strides(), spec.paddings(),
        new long[] {outputPadding, outputPadding}, spec.groups(), spec.dilations());
  }

  public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
    return torch.linear(x, weight, optional(bias));
  }

  /** Batch normalisation; in training mode the running statistics are updated in place. */
  public static Tensor batchNorm(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
      boolean training, double momentum, double eps) {
    return torch.batch_norm(x, optional(weight), optional(bias), optional(runningMean), optional(runningVar),
        training, momentum, eps, true);
  }

  /** Layer normalisation over the last {@code normalizedShape.length} dimensions. */
  public static Tensor layerNorm(Tensor x, long[] normalizedShape, Tensor weight, Tensor bias, double eps) {
    return torch.layer_norm(x, normalizedShape, optional(weight), optional(bias), eps, true);
  }

  public static Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, double eps) {
    return torch.group_norm(x, groups, optional(weight), optional(bias), eps, true);
  }

  public static Tensor maxPool2d(Tensor x, int kernel, int stride, int padding, boolean ceilMode) {
    return torch.max_pool2d(x, new long[] {kernel, kernel}, new long[] {stride, stride},
        new long[] {padding, padding}, new long[] {1, 1}, ceilMode);
  }

  public static Tensor avgPool2d(Tensor x, int kernel, int stride, int padding, boolean ceilMode,
      boolean countIncludePad) {
    return torch.avg_pool2d(x, new long[] {kernel, kernel}, new long[] {stride, stride},
        new long[] {padding, padding}, ceilMode, countIncludePad, new LongOptional());
  }

  public static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
    return torch.adaptive_avg_pool2d(x, outH, outW);
  }

  public static Tensor adaptiveMaxPool2d(Tensor x, int outH, int outW) {
    return Tensors.owned(torch.adaptive_max_pool2d(x, outH, outW))[0];
  }

  /** Mean over the spatial dimensions of an NCHW tensor, giving NC. */
  public static Tensor globalAvgPool(Tensor x) {
    return x.mean(new long[] {2, 3}, false, new ScalarTypeOptional());
  }

  public static Tensor relu(Tensor x) {
    return torch.relu(x);
  }

  /** ReLU clipped at 6 (MobileNet). */
  public static Tensor relu6(Tensor x) {
    return torch.hardtanh(x, new Scalar(0.0), new Scalar(6.0));
  }

  public static Tensor leakyRelu(Tensor x, double slope) {
    return torch.leaky_relu(x, new Scalar(slope));
  }

  /** GELU; {@code tanhApproximation} selects PyTorch's {@code approximate='tanh'}. */
  public static Tensor gelu(Tensor x, boolean tanhApproximation) {
    return tanhApproximation ? torch.gelu(x, "tanh") : torch.gelu(x);
  }

  public static Tensor silu(Tensor x) {
    return torch.silu(x);
  }

  public static Tensor hardswish(Tensor x) {
    return torch.hardswish(x);
  }

  public static Tensor hardsigmoid(Tensor x) {
    return torch.hardsigmoid(x);
  }

  public static Tensor sigmoid(Tensor x) {
    return torch.sigmoid(x);
  }

  public static Tensor tanh(Tensor x) {
    return torch.tanh(x);
  }

  public static Tensor softmax(Tensor x, int dim) {
    return torch.softmax(x, dim);
  }

  public static Tensor logSoftmax(Tensor x, int dim) {
    return torch.log_softmax(x, dim);
  }

  /** Dropout: identity unless {@code training}, else zeroes elements with probability {@code p}. */
  public static Tensor dropout(Tensor x, double p, boolean training) {
    return training && p > 0 ? torch.dropout(x, p, true) : x;
  }

  /**
   * Stochastic depth (Huang et al. 2016), "row" mode as in torchvision: each sample's residual
   * branch is dropped with probability {@code p} and the survivors are scaled by {@code 1/(1-p)}.
   */
  public static Tensor stochasticDepth(Tensor x, double p, boolean training) {
    if (!training || p == 0) {
      return x;
    }
    long[] noiseShape = new long[(int) x.dim()];
    Arrays.fill(noiseShape, 1);
    noiseShape[0] = x.size(0);
    double survival = 1 - p;
    Tensor noise = torch.empty(noiseShape, new TensorOptions(x.scalar_type()),
        new MemoryFormatOptional());
    noise.bernoulli_(survival, new GeneratorOptional());
    if (survival > 0) {
      noise.div_(new Scalar(survival));
    }
    return x.mul(noise);
  }

  public static Tensor flatten(Tensor x, int startDim) {
    return x.flatten(startDim, -1);
  }

  public static Tensor add(Tensor a, Tensor b) {
    return a.add(b);
  }

  /** Cross-entropy of logits {@code [N, C]} against class indices {@code [N]}, mean over the batch. */
  public static Tensor crossEntropy(Tensor logits, Tensor target, double labelSmoothing) {
    return torch.cross_entropy_loss(logits, target, new TensorOptional(), 1, -100, labelSmoothing);
  }

  public static Tensor crossEntropy(Tensor logits, Tensor target) {
    return crossEntropy(logits, target, 0);
  }

  /** Resamples an NCHW tensor to {@code outH x outW} ({@code "nearest"} or {@code "bilinear"}). */
  public static Tensor interpolate(Tensor x, int outH, int outW, String mode, boolean alignCorners) {
    return switch (mode) {
      // An ArrayRef built from a Java array points at a temporary copy that JavaCPP frees at once.
      case "nearest" -> torch.upsample_nearest2d(x, new long[] {outH, outW}, new DoubleOptional(),
          new DoubleOptional());
      case "bilinear" -> torch.upsample_bilinear2d(x, new long[] {outH, outW}, alignCorners);
      default -> throw new IllegalArgumentException("unknown interpolation mode '" + mode
          + "' (use nearest or bilinear)");
    };
  }

  /**
   * Scaled dot-product attention {@code softmax(q k^T / sqrt(d) + mask) v} with libtorch's
   * {@code scaled_dot_product_attention}. {@code mask} is optional (boolean: true = attend; or
   * additive float); {@code causal} masks future positions.
   */
  public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, double dropout,
      boolean causal) {
    return scaledDotProductAttention(q, k, v, mask, dropout, causal, new DoubleOptional());
  }

  /**
   * As {@link #scaledDotProductAttention(Tensor, Tensor, Tensor, Tensor, double, boolean)} with the
   * scores multiplied by {@code scale} instead of {@code 1/sqrt(d)} (when present).
   *
   * <p>On the CPU it runs libtorch's math backend, not the flash kernel: this libtorch's flash
   * kernel calls OpenBLAS from inside its OpenMP threads, and the presets' OpenBLAS has a thread
   * pool of its own, so the two pools fight over the cores (ViT-B/16's attention on 2 cores: 70-100 ms
   * per layer with the flash kernel, 3-4 ms with the math backend, 1-2 ms with the flash kernel and
   * a single-threaded OpenBLAS, which would halve every other matrix product). Other devices keep
   * libtorch's choice.
   */
  public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, double dropout,
      boolean causal, DoubleOptional scale) {
    AttentionBackend.select(q);
    return torch.scaled_dot_product_attention(q, k, v, optional(mask), dropout, causal, scale, false);
  }

  /** libtorch's process-wide choice of attention kernels, switched by the device of the call. */
  private static final class AttentionBackend {
    private static final Context CONTEXT = Scope.detachFromScopes(torch.globalContext());

    static void select(Tensor q) {
      boolean flash = !q.is_cpu();
      if (CONTEXT.userEnabledFlashSDP() != flash) {
        CONTEXT.setSDPUseFlash(flash);
      }
    }
  }

  /** Shuffles channels between {@code groups} groups (ShuffleNet). */
  public static Tensor channelShuffle(Tensor x, int groups) {
    return torch.channel_shuffle(x, groups);
  }
}
