package io.nets4j.nn;

import org.bytedeco.pytorch.Tensor;

/**
 * Squeeze-and-excitation (Hu et al. 2018, "Squeeze-and-Excitation Networks"): global average
 * pooling (squeeze), two 1x1 convolutions {@code fc1} (C -> C/r) and {@code fc2} (C/r -> C)
 * (excitation), and a gate that rescales each channel. Parameter names follow torchvision's
 * {@code SqueezeExcitation}; the block costs {@code 2 C^2 / r} weights (plus biases).
 */
public final class SqueezeExcitation extends Layer {
  private final Conv2d fc1;
  private final Conv2d fc2;
  private final Layer activation;
  private final Layer gate;

  /** ReLU inside, sigmoid gate, as in the paper. */
  public SqueezeExcitation(int channels, int squeezeChannels) {
    this(channels, squeezeChannels, Activation.relu(), Activation.sigmoid());
  }

  public SqueezeExcitation(int channels, int squeezeChannels, Layer activation, Layer gate) {
    fc1 = register("fc1", new Conv2d(channels, squeezeChannels, ConvSpec.kernel(1)));
    fc2 = register("fc2", new Conv2d(squeezeChannels, channels, ConvSpec.kernel(1)));
    this.activation = activation;
    this.gate = gate;
  }

  @Override
  protected Tensor compute(Tensor x) {
    Tensor s = F.globalAvgPool(x).unsqueeze(2).unsqueeze(3);
    s = gate.forward(fc2.forward(activation.forward(fc1.forward(s))));
    return x.mul(s);
  }
}
