package io.nets4j.nn;

import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.LocalResponseNormOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Local response normalization across channels (Krizhevsky et al. 2012, "ImageNet Classification
 * with Deep Convolutional Neural Networks", section 3.3), with the semantics of PyTorch's
 * {@code nn.LocalResponseNorm}: each activation is divided by
 * {@code (k + alpha / n * sum of the squares of the n channels around it)^beta}, the window
 * zero-padded at the first and last channels. It has no parameters.
 *
 * <p>Note the {@code alpha / n}: the paper's formula writes {@code alpha * sum}, but Krizhevsky's
 * cuda-convnet code (which trained AlexNet) divides the scale by the window size, and so do Caffe
 * and PyTorch; with {@code alpha = 1e-4} this layer computes what that code computed.
 */
public final class LocalResponseNorm extends Layer {
  private final int size;
  private final double alpha;
  private final double beta;
  private final double k;

  /**
   * @param size the number of neighbouring channels in the window ({@code n})
   * @param alpha the scale, divided by {@code size} (PyTorch's convention)
   * @param beta the exponent
   * @param k the additive constant
   */
  public LocalResponseNorm(int size, double alpha, double beta, double k) {
    if (size < 1) {
      throw new IllegalArgumentException("window size must be >= 1, got " + size);
    }
    this.size = size;
    this.alpha = alpha;
    this.beta = beta;
    this.k = k;
  }

  @Override
  protected Tensor compute(Tensor x) {
    if (x.dim() < 3) {
      throw fail("expected input of shape [N, C, ...] with at least 3 dimensions, got " + Tensors.describe(x));
    }
    LocalResponseNormOptions options = new LocalResponseNormOptions(size);
    options.alpha().put(alpha);
    options.beta().put(beta);
    options.k().put(k);
    return torch.local_response_norm(x, options);
  }

  public int size() {
    return size;
  }

  public double alpha() {
    return alpha;
  }

  public double beta() {
    return beta;
  }

  public double k() {
    return k;
  }

  @Override
  public String typeName() {
    return "LocalResponseNorm";
  }
}
