package io.nets4j.nn;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Batch normalisation (Ioffe and Szegedy 2015) over the channels of NCHW (or NC) input, with
 * PyTorch's state: {@code weight, bias, running_mean, running_var, num_batches_tracked}.
 */
public final class BatchNorm2d extends Layer {
  public static final double DEFAULT_EPS = 1e-5;
  public static final double DEFAULT_MOMENTUM = 0.1;

  private final int channels;
  private final double eps;
  private final double momentum;
  private final Tensor weight;
  private final Tensor bias;
  private final Tensor runningMean;
  private final Tensor runningVar;
  private final Tensor numBatchesTracked;
  private Layer foldedInto;

  public BatchNorm2d(int channels) {
    this(channels, DEFAULT_EPS, DEFAULT_MOMENTUM);
  }

  public BatchNorm2d(int channels, double eps, double momentum) {
    this.channels = channels;
    this.eps = eps;
    this.momentum = momentum;
    this.weight = registerParameter("weight", Tensors.ones(DType.FLOAT32, channels));
    this.bias = registerParameter("bias", Tensors.zeros(DType.FLOAT32, channels));
    this.runningMean = registerBuffer("running_mean", Tensors.zeros(DType.FLOAT32, channels));
    this.runningVar = registerBuffer("running_var", Tensors.ones(DType.FLOAT32, channels));
    this.numBatchesTracked = registerBuffer("num_batches_tracked", Tensors.zeros(DType.INT64));
  }

  @Override
  protected Tensor compute(Tensor x) {
    if (x.dim() < 2 || x.size(1) != channels) {
      throw fail("expected input of shape [N, " + channels + ", ...], got " + Tensors.describe(x));
    }
    if (foldedInto != null) {
      if (isTraining()) {
        throw fail("this batch norm is folded into '" + foldedInto.path() + "' for inference; it cannot train");
      }
      return x;
    }
    boolean training = isTraining();
    if (training && x.numel() == x.size(1)) {
      // as torch.nn.functional.batch_norm: the batch variance of a single value is meaningless
      throw fail("expected more than 1 value per channel when training, got input " + Tensors.describe(x));
    }
    if (training) {
      try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
        numBatchesTracked.add_(new Scalar(1L));
      }
    }
    return F.batchNorm(x, weight, bias, runningMean, runningVar, training, momentum, eps);
  }

  /**
   * Whether this batch norm was folded into its convolution ({@link Conv2d#fuseBatchNorm}) or linear
   * layer ({@link Linear#fuseBatchNorm}): it is then an identity.
   */
  public boolean isFolded() {
    return foldedInto != null;
  }

  void markFolded(Layer into) {
    foldedInto = into;
  }

  public Tensor weight() {
    return weight;
  }

  public Tensor bias() {
    return bias;
  }

  public Tensor runningMean() {
    return runningMean;
  }

  public Tensor runningVar() {
    return runningVar;
  }

  public double eps() {
    return eps;
  }

  public int channels() {
    return channels;
  }

  @Override
  public String typeName() {
    return "BatchNorm2d";
  }
}
