package io.nets4j.nn;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.Arrays;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Batch normalisation (Ioffe and Szegedy 2015) over the channels of NCHW (or NC) input, with
 * PyTorch's state: {@code weight, bias, running_mean, running_var, num_batches_tracked}.
 *
 * <p>{@link #withActivation} is timm's {@code BatchNormAct2d}: the same state, followed by a child
 * {@code act}. It stays a batch norm for the per-layer rules and for batch-norm folding (a folded
 * one still applies its activation).
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
  private final Layer act;
  private Layer foldedInto;
  private ReplicaSum replicas;

  public BatchNorm2d(int channels) {
    this(channels, DEFAULT_EPS, DEFAULT_MOMENTUM);
  }

  public BatchNorm2d(int channels, double eps, double momentum) {
    this(channels, eps, momentum, null);
  }

  /** timm's {@code BatchNormAct2d}: batch norm, then {@code act} (registered as the child {@code act}). */
  public static BatchNorm2d withActivation(int channels, double eps, Layer act) {
    return new BatchNorm2d(channels, eps, DEFAULT_MOMENTUM, act);
  }

  private BatchNorm2d(int channels, double eps, double momentum, Layer act) {
    this.channels = channels;
    this.eps = eps;
    this.momentum = momentum;
    this.weight = registerParameter("weight", Tensors.ones(DType.FLOAT32, channels));
    this.bias = registerParameter("bias", Tensors.zeros(DType.FLOAT32, channels));
    this.runningMean = registerBuffer("running_mean", Tensors.zeros(DType.FLOAT32, channels));
    this.runningVar = registerBuffer("running_var", Tensors.ones(DType.FLOAT32, channels));
    this.numBatchesTracked = registerBuffer("num_batches_tracked", Tensors.zeros(DType.INT64));
    this.act = act == null ? null : register("act", act);
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
      return activate(x);
    }
    boolean training = isTraining();
    if (training && x.numel() == x.size(1)) {
      // as torch.nn.functional.batch_norm: the batch variance of a single value is meaningless
      throw fail("expected more than 1 value per channel when training, got input " + Tensors.describe(x));
    }
    if (training) {
      try (NoGradGuard g = new NoGradGuard()) {
        numBatchesTracked.add_(new Scalar(1L));
      }
    }
    if (training && replicas != null) {
      return activate(synchronizedBatchNorm(x));
    }
    return activate(F.batchNorm(x, weight, bias, runningMean, runningVar, training, momentum, eps));
  }

  private Tensor activate(Tensor y) {
    return act == null ? y : act.forward(y);
  }

  /**
   * Makes training normalise with the statistics of the whole data-parallel job's batch, summed
   * over the replicas by {@code sum}, as {@code torch.nn.SyncBatchNorm}; {@code null} goes back
   * to each replica's own batch. Evaluation is unchanged (running statistics).
   */
  public void synchronize(ReplicaSum sum) {
    this.replicas = sum;
  }

  /**
   * Batch norm over all replicas' batches, by two passes (mean, then the mean squared deviation,
   * as ATen's own batch norm is exact to rounding); the running variance is the unbiased one, as
   * in {@code torch.nn.SyncBatchNorm}.
   */
  private Tensor synchronizedBatchNorm(Tensor x) {
    int rank = (int) x.dim();
    long[] dims = new long[rank - 1];
    dims[0] = 0;
    for (int d = 2; d < rank; d++) {
      dims[d - 1] = d;
    }
    long[] perChannel = new long[rank];
    Arrays.fill(perChannel, 1);
    perChannel[1] = channels;
    Tensor localCount = torch.full(new long[] {1}, new Scalar((double) (x.numel() / channels)),
        new TensorOptions().dtype(new ScalarTypeOptional(x.scalar_type())));
    // the element count travels with the sums: the ranks' batches need not be equal
    Tensor sums = replicas.apply(torch.cat(new TensorVector(x.sum(dims, false, new ScalarTypeOptional()),
        localCount)));
    Tensor count = sums.narrow(0, channels, 1);
    Tensor mean = sums.narrow(0, 0, channels).div(count);
    Tensor centered = x.sub(mean.view(perChannel));
    Tensor var = replicas.apply(centered.mul(centered).sum(dims, false, new ScalarTypeOptional())).div(count);
    try (NoGradGuard g = new NoGradGuard()) {
      double n = count.item_double();
      runningMean.mul_(new Scalar(1 - momentum)).add_(mean.detach().to(runningMean.scalar_type()), new Scalar(momentum));
      runningVar.mul_(new Scalar(1 - momentum)).add_(var.detach().mul(new Scalar(n / Math.max(1, n - 1)))
          .to(runningVar.scalar_type()), new Scalar(momentum));
    }
    Tensor normalized = centered.mul(var.add(new Scalar(eps)).rsqrt().view(perChannel));
    return normalized.mul(weight.view(perChannel)).add(bias.view(perChannel));
  }

  /**
   * Whether this batch norm was folded into its convolution ({@link Conv2d#fuseBatchNorm}) or linear
   * layer ({@link Linear#fuseBatchNorm}): it is then an identity.
   */
  public boolean isFolded() {
    return foldedInto != null;
  }

  /**
   * Folds this evaluation-mode batch norm into {@code into}, the layer whose {@code outputs}
   * outputs ({@code unit}: "channels" or "features") it normalises, in place: every output row of
   * {@code weight} is scaled by {@code s = gamma / sqrt(running_var + eps)}, and the bias becomes
   * {@code (b - mean) * s + beta}; a layer without bias gains a {@code bias} parameter. Returns the
   * bias the layer now has; this batch norm becomes an identity.
   */
  Tensor foldInto(Layer into, Tensor weight, Tensor bias, int outputs, String unit) {
    if (channels != outputs) {
      throw new IllegalArgumentException("cannot fold " + this + " (" + channels + " " + unit + ") into " + into
          + " (" + outputs + " output " + unit + ")");
    }
    if (isFolded() || isTraining()) {
      throw new IllegalArgumentException("cannot fold " + this + ": it is " + (isFolded() ? "already folded"
          : "in training mode"));
    }
    long[] rows = new long[(int) weight.dim()];
    Arrays.fill(rows, 1);
    rows[0] = -1;
    Tensor folded = bias;
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      Tensor scale = this.weight.div(runningVar.add(new Scalar(eps)).sqrt());
      Tensor shift = this.bias.sub(runningMean.mul(scale));
      Tensor fusedBias = bias == null ? shift : bias.mul(scale).add(shift);
      weight.set_data(weight.mul(scale.reshape(rows)).detach());
      if (bias == null) {
        folded = into.registerParameter("bias", fusedBias.detach().clone());
      } else {
        bias.set_data(fusedBias.detach());
      }
    }
    foldedInto = into;
    return folded;
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
    return act == null ? "BatchNorm2d" : "BatchNormAct2d";
  }
}
