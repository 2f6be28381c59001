package io.nets4j.nn;

import io.nets4j.tensor.CpuCapabilities;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.GradMode;

/**
 * 2-d convolution over NCHW input: {@code weight [out, in/groups, kh, kw]}, optional
 * {@code bias [out]}. Initialised as PyTorch's {@code nn.Conv2d}.
 */
public final class Conv2d extends Layer {
  private final int inChannels;
  private final int outChannels;
  private final ConvSpec spec;
  private final Tensor weight;
  private Tensor bias;
  private PackedConvolution packed;

  public Conv2d(int inChannels, int outChannels, ConvSpec spec) {
    if (inChannels % spec.groups() != 0 || outChannels % spec.groups() != 0) {
      throw new IllegalArgumentException("channels " + inChannels + " -> " + outChannels
          + " are not divisible by groups " + spec.groups());
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.spec = spec;
    this.weight = spec.registerWeight(this, outChannels, inChannels);
    this.bias = spec.registerBias(this, outChannels, inChannels);
  }

  @Override
  protected Tensor compute(Tensor x) {
    if (x.dim() != 4 || x.size(1) != inChannels) {
      throw fail("expected input of shape [N, " + inChannels + ", H, W], got " + Tensors.describe(x));
    }
    if (packed != null) {
      if (isTraining() || GradMode.is_enabled() && weight.requires_grad()) {
        throw fail("this convolution is packed for inference (packForInference); it cannot train or take gradients");
      }
      return packed.apply(x);
    }
    return F.conv2d(x, weight, bias, spec);
  }

  /**
   * Reorders the weight once into oneDNN's layout for inputs shaped like {@code inputShape} and runs
   * later forwards with oneDNN's inference convolution ({@link PackedConvolution}), which saves the
   * per-call weight reorder of eager {@code conv2d}. Call it last, after folding, dtype and memory
   * format changes: the packed copy does not follow later changes of the weight. The layer is then
   * for inference only. Returns whether it was packed: not where libtorch lacks oneDNN, the weight is
   * not on the CPU or not float32/bfloat16 (oneDNN has no float64 kernels), or the weight is bfloat16
   * and this CPU cannot pack bfloat16 ({@link CpuCapabilities#bf16WeightPacking()}).
   */
  public boolean packForInference(long[] inputShape) {
    return packForInference(inputShape, PostOp.NONE);
  }

  /**
   * {@link #packForInference(long[])} with {@code postOp} applied inside the convolution kernel: the
   * layer then returns the activated output, and the activation layer that reads it directly returns
   * it unchanged ({@link PostOp}). Only valid where nothing else reads this layer's raw output.
   */
  public boolean packForInference(long[] inputShape, PostOp postOp) {
    if (!PackedConvolution.isAvailable() || !packable(weight)) {
      return false;
    }
    packed = PackedConvolution.pack(weight, bias, spec, inputShape, postOp);
    return true;
  }

  /**
   * Whether oneDNN can run {@code weight} packed (given that libtorch has oneDNN): the weight is on the
   * CPU and float32, or bfloat16 on a CPU that packs bfloat16 ({@link CpuCapabilities#bf16WeightPacking()}).
   */
  static boolean packable(Tensor weight) {
    DType dtype = Tensors.dtype(weight);
    return weight.device().is_cpu() && (dtype == DType.FLOAT32
        || dtype == DType.BFLOAT16 && CpuCapabilities.current().bf16WeightPacking().supported());
  }

  /** The activation computed inside the packed kernel ({@link PostOp#NONE} if none or not packed). */
  public PostOp postOp() {
    return packed == null ? PostOp.NONE : packed.postOp();
  }

  /** Whether {@link #packForInference} packed this convolution. */
  public boolean isPacked() {
    return packed != null;
  }

  /**
   * Folds an evaluation-mode batch norm that reads this convolution's output into this
   * convolution, in place, for inference: {@code W' = W * s}, {@code b' = (b - mean) * s + beta}
   * per output channel with {@code s = gamma / sqrt(running_var + eps)} (Jacob et al. 2018,
   * "Quantization and Training of Neural Networks for Efficient Integer-Arithmetic-Only Inference",
   * section 3.2). A convolution without bias gains a {@code bias} parameter, and {@code bn} becomes
   * an identity ({@link BatchNorm2d#isFolded}). Both modules are then for inference only.
   */
  public void fuseBatchNorm(BatchNorm2d bn) {
    bias = bn.foldInto(this, weight, bias, outChannels, "channels");
    packed = null;
  }

  public Tensor weight() {
    return weight;
  }

  /** The bias, or {@code null}. */
  public Tensor bias() {
    return bias;
  }

  public int inChannels() {
    return inChannels;
  }

  public int outChannels() {
    return outChannels;
  }

  public ConvSpec spec() {
    return spec;
  }

  @Override
  public String typeName() {
    return "Conv2d";
  }
}
