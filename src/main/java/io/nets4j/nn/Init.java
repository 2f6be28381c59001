package io.nets4j.nn;

import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * Weight initialisation schemes (in place, without recording gradients), with the fan
 * conventions of {@code torch.nn.init}: for a weight of shape {@code [out, in, k...]},
 * fan-in is {@code in * prod(k)} and fan-out is {@code out * prod(k)}.
 */
public final class Init {
  private Init() {}

  public static long fanIn(Tensor w) {
    long n = w.size(1);
    for (int i = 2; i < w.dim(); i++) {
      n *= w.size(i);
    }
    return n;
  }

  public static long fanOut(Tensor w) {
    long n = w.size(0);
    for (int i = 2; i < w.dim(); i++) {
      n *= w.size(i);
    }
    return n;
  }

  public static Tensor uniform(Tensor t, double low, double high) {
    try (NoGradGuard g = new NoGradGuard()) {
      t.uniform_(low, high, new GeneratorOptional());
    }
    return t;
  }

  public static Tensor normal(Tensor t, double mean, double std) {
    try (NoGradGuard g = new NoGradGuard()) {
      t.normal_(mean, std, new GeneratorOptional());
    }
    return t;
  }

  /** Normal with std, truncated to [a, b] by resampling, as {@code torch.nn.init.trunc_normal_}. */
  public static Tensor truncNormal(Tensor t, double std, double a, double b) {
    try (NoGradGuard g = new NoGradGuard()) {
      t.normal_(0, std, new GeneratorOptional());
      t.clamp_(new ScalarOptional(new Scalar(a)),
          new ScalarOptional(new Scalar(b)));
    }
    return t;
  }

  public static Tensor constant(Tensor t, double value) {
    try (NoGradGuard g = new NoGradGuard()) {
      t.fill_(new Scalar(value));
    }
    return t;
  }

  public static Tensor zeros(Tensor t) {
    return constant(t, 0);
  }

  public static Tensor ones(Tensor t) {
    return constant(t, 1);
  }

  /** He et al. 2015 normal init for ReLU networks, scaled by fan-out (torchvision's CNNs). */
  public static Tensor kaimingNormalFanOut(Tensor w) {
    return normal(w, 0, Math.sqrt(2.0 / fanOut(w)));
  }

  /** He et al. 2015 normal init for ReLU networks, scaled by fan-in. */
  public static Tensor kaimingNormalFanIn(Tensor w) {
    return normal(w, 0, Math.sqrt(2.0 / fanIn(w)));
  }

  /** PyTorch's default for conv and linear layers: U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
  public static Tensor defaultUniform(Tensor t, long fanIn) {
    double bound = fanIn > 0 ? 1.0 / Math.sqrt(fanIn) : 0;
    return uniform(t, -bound, bound);
  }

  /** Glorot and Bengio 2010 uniform init. */
  public static Tensor xavierUniform(Tensor w) {
    double bound = Math.sqrt(6.0 / (fanIn(w) + fanOut(w)));
    return uniform(w, -bound, bound);
  }
}
