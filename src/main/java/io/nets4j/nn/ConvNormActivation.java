package io.nets4j.nn;

/**
 * Convolution, batch norm and an optional activation as one sequential block, named {@code 0, 1,
 * 2} like torchvision's {@code Conv2dNormActivation}. The convolution has no bias (the norm's
 * shift replaces it) and "same" padding for its kernel and dilation.
 */
public final class ConvNormActivation extends Sequential {
  /**
   * @param activation the activation, or {@code null} for none (a linear bottleneck)
   * @param bnEps the batch norm epsilon (torchvision: 1e-5; 1e-3 for MobileNetV3 and EfficientNet)
   */
  public ConvNormActivation(int in, int out, ConvSpec spec, Layer activation, double bnEps) {
    add(new Conv2d(in, out, spec.samePadding().noBias()));
    add(new BatchNorm2d(out, bnEps, BatchNorm2d.DEFAULT_MOMENTUM));
    if (activation != null) {
      add(activation);
    }
  }

  /** With ReLU and the default epsilon. */
  public ConvNormActivation(int in, int out, ConvSpec spec) {
    this(in, out, spec, Activation.relu(), BatchNorm2d.DEFAULT_EPS);
  }

  @Override
  public String typeName() {
    return "ConvNormActivation";
  }
}
