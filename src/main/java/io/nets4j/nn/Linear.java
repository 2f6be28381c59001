package io.nets4j.nn;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Tensor;

/** Fully connected layer {@code y = x W^T + b}: {@code weight [out, in]}, optional {@code bias [out]}. */
public final class Linear extends Layer {
  private final int inFeatures;
  private final int outFeatures;
  private final Tensor weight;
  private Tensor bias;
  private PackedLinear packed;

  public Linear(int inFeatures, int outFeatures) {
    this(inFeatures, outFeatures, true);
  }

  public Linear(int inFeatures, int outFeatures, boolean bias) {
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = registerParameter("weight",
        Init.defaultUniform(Tensors.empty(DType.FLOAT32, outFeatures, inFeatures), inFeatures));
    this.bias = bias
        ? registerParameter("bias", Init.defaultUniform(Tensors.empty(DType.FLOAT32, outFeatures), inFeatures))
        : null;
  }

  @Override
  protected Tensor compute(Tensor x) {
    if (x.dim() < 1 || x.size(x.dim() - 1) != inFeatures) {
      throw fail("expected input of shape [..., " + inFeatures + "], got " + Tensors.describe(x));
    }
    if (packed != null) {
      if (isTraining() || GradMode.is_enabled() && weight.requires_grad()) {
        throw fail("this linear layer is packed for inference (packForInference); it cannot train or take gradients");
      }
      return packed.apply(x);
    }
    return F.linear(x, weight, bias);
  }

  /**
   * Runs later forwards with oneDNN's linear kernel on a weight reordered once for inputs of
   * {@code rows} rows ({@link PackedLinear}), with {@code postOp} inside the kernel (see
   * {@link Conv2d#packForInference(long[], PostOp)}). Call it last, after folding and dtype changes;
   * the layer is then for inference only. Returns whether it was packed (as for convolutions).
   */
  public boolean packForInference(long rows, PostOp postOp) {
    if (!PackedLinear.isAvailable() || !Conv2d.packable(weight)) {
      return false;
    }
    packed = PackedLinear.pack(weight, bias, rows, postOp);
    return true;
  }

  /** Whether {@link #packForInference} packed this layer. */
  public boolean isPacked() {
    return packed != null;
  }

  /**
   * Folds an inference-mode batch norm over this layer's output features ({@code BatchNorm1d} on
   * {@code [N, out_features]}, which {@link BatchNorm2d} computes for NC input) into the weights:
   * {@code W' = s W} row by row and {@code b' = s (b - running_mean) + beta} with
   * {@code s = gamma / sqrt(running_var + eps)}, the linear counterpart of
   * {@link Conv2d#fuseBatchNorm} (Jacob et al. 2018, section 3.2). A layer without bias gains a
   * {@code bias} parameter, and {@code bn} becomes an identity ({@link BatchNorm2d#isFolded}); both
   * are then for inference only. Only valid where the batch norm normalises the features this
   * layer outputs (not, e.g., the token dimension of a {@code [N, L, C]} sequence).
   */
  public void fuseBatchNorm(BatchNorm2d bn) {
    bias = bn.foldInto(this, weight, bias, outFeatures, "features");
    packed = null;
  }

  public Tensor weight() {
    return weight;
  }

  public Tensor bias() {
    return bias;
  }

  public int inFeatures() {
    return inFeatures;
  }

  public int outFeatures() {
    return outFeatures;
  }

  @Override
  public String typeName() {
    return "Linear";
  }
}
