package io.nets4j.nn;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * The hyper-parameters of a 2-d convolution, written the way model code reads:
 * {@code ConvSpec.kernel(7).stride(2).padding(3).noBias()}.
 *
 * @param kernelH kernel height
 * @param kernelW kernel width
 * @param strideH vertical stride
 * @param strideW horizontal stride
 * @param padH zero padding above and below
 * @param padW zero padding left and right
 * @param dilationH vertical dilation
 * @param dilationW horizontal dilation
 * @param groups channel groups (input and output channels are split into this many groups)
 * @param bias whether the layer has a bias
 */
public record ConvSpec(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
    int dilationH, int dilationW, int groups, boolean bias) {

  public ConvSpec {
    if (kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1
        || padH < 0 || padW < 0 || groups < 1) {
      throw new IllegalArgumentException("invalid convolution: kernel " + kernelH + "x" + kernelW + ", stride "
          + strideH + "x" + strideW + ", padding " + padH + "x" + padW + ", dilation " + dilationH + "x" + dilationW
          + ", groups " + groups);
    }
  }

  /** A square kernel with stride 1, no padding, no dilation, one group, with bias. */
  public static ConvSpec kernel(int k) {
    return kernel(k, k);
  }

  public static ConvSpec kernel(int kh, int kw) {
    return new ConvSpec(kh, kw, 1, 1, 0, 0, 1, 1, 1, true);
  }

  public ConvSpec stride(int s) {
    return stride(s, s);
  }

  public ConvSpec stride(int sh, int sw) {
    return new ConvSpec(kernelH, kernelW, sh, sw, padH, padW, dilationH, dilationW, groups, bias);
  }

  public ConvSpec padding(int p) {
    return padding(p, p);
  }

  public ConvSpec padding(int ph, int pw) {
    return new ConvSpec(kernelH, kernelW, strideH, strideW, ph, pw, dilationH, dilationW, groups, bias);
  }

  /** Padding that keeps the spatial size at stride 1: {@code dilation * (kernel - 1) / 2}. */
  public ConvSpec samePadding() {
    return padding(dilationH * (kernelH - 1) / 2, dilationW * (kernelW - 1) / 2);
  }

  public ConvSpec dilation(int d) {
    return new ConvSpec(kernelH, kernelW, strideH, strideW, padH, padW, d, d, groups, bias);
  }

  public ConvSpec groups(int g) {
    return new ConvSpec(kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW, g, bias);
  }

  public ConvSpec noBias() {
    return bias(false);
  }

  public ConvSpec bias(boolean b) {
    return new ConvSpec(kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW, groups, b);
  }

  long[] strides() {
    return new long[] {strideH, strideW};
  }

  long[] paddings() {
    return new long[] {padH, padW};
  }

  long[] dilations() {
    return new long[] {dilationH, dilationW};
  }

  @Override
  public String toString() {
    return kernelH + "x" + kernelW + (strideH != 1 || strideW != 1 ? " s" + strideH + (strideW != strideH ? "," + strideW : "") : "")
        + (padH != 0 || padW != 0 ? " p" + padH + (padW != padH ? "," + padW : "") : "")
        + (dilationH != 1 || dilationW != 1 ? " d" + dilationH : "")
        + (groups != 1 ? " g" + groups : "") + (bias ? "" : " no-bias");
  }

  /**
   * Registers a convolution's {@code weight [first, second / groups, kh, kw]} on {@code layer},
   * initialised as PyTorch's convolutions are: uniform from the fan-in of weight dimension 1
   * (for a transposed convolution that dimension is its output channels per group).
   */
  Tensor registerWeight(Layer layer, int first, int second) {
    return layer.registerParameter("weight", Init.defaultUniform(
        Tensors.empty(DType.FLOAT32, first, second / groups, kernelH, kernelW), fanIn(second)));
  }

  /** Registers the {@code bias [size]} of the convolution {@link #registerWeight} made, or returns null without one. */
  Tensor registerBias(Layer layer, int size, int second) {
    return bias ? layer.registerParameter("bias", Init.defaultUniform(Tensors.empty(DType.FLOAT32, size), fanIn(second)))
        : null;
  }

  private long fanIn(int second) {
    return (long) second / groups * kernelH * kernelW;
  }
}
