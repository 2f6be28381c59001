package io.nets4j.models;

import io.nets4j.nn.Activation;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvNormActivation;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Init;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Sequential;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * MobileNet V2 (Sandler et al. 2018, "MobileNetV2: Inverted Residuals and Linear Bottlenecks"), in
 * torchvision's structure and parameter names.
 *
 * <p>{@code features} holds the 3x3/2 stem, 17 inverted residual blocks (paper Table 2: a 1x1
 * expansion by t with ReLU6, a 3x3 depthwise convolution with ReLU6, and a linear 1x1 projection,
 * with a residual connection when the shape is kept) and a 1x1 convolution to 1280 channels;
 * {@code classifier} is dropout and a linear layer.
 *
 * <p>The width multiplier scales every layer's channels, rounded to a multiple of 8, except that
 * the last convolution never shrinks below 1280 channels (paper section 6.1).
 *
 * <p>Feature maps: the last block before each stride (16, 24, 32 and 96 channels at strides 2 to
 * 16, as timm's {@code mobilenetv2_100}) and the last convolution (1280 channels, stride 32, where
 * torchvision's MobileNet extractors end).
 */
public final class MobileNetV2 extends ImageClassifier {
  /** Paper Table 2: expansion t, output channels c, repeats n, first stride s. */
  private static final int[][] SETTING = {
      {1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  private static final int STEM = 32;
  private static final int LAST = 1280;
  private static final double BN_EPS = 1e-5;
  private static final String PAPER = "Sandler et al. 2018, MobileNetV2: Inverted Residuals and Linear Bottlenecks";

  /** Registers torchvision's {@code mobilenet_v2}. */
  static void register(Models.Registrar r) {
    r.add("mobilenet_v2", "MobileNetV2", "torchvision", 224, PAPER,
        options -> new MobileNetV2(1.0, options));
  }

  private final Sequential features;

  /**
   * @param widthMultiplier scales the channels of every layer (torchvision's {@code width_mult})
   */
  public MobileNetV2(double widthMultiplier, ModelOptions options) {
    if (!(widthMultiplier > 0)) {
      throw new IllegalArgumentException("width multiplier must be > 0, got " + widthMultiplier);
    }
    int in = MobileNetLayers.makeDivisible(STEM * widthMultiplier, 8);
    int numFeatures = MobileNetLayers.makeDivisible(LAST * Math.max(1.0, widthMultiplier), 8);
    features = new Sequential();
    features.add(new ConvNormActivation(options.inChannels(), in, ConvSpec.kernel(3).stride(2), Activation.relu6(), BN_EPS));
    List<Integer> strides = new ArrayList<>(List.of(2));
    List<Integer> channels = new ArrayList<>(List.of(in));
    for (int[] row : SETTING) {
      int out = MobileNetLayers.makeDivisible(row[1] * widthMultiplier, 8);
      for (int i = 0; i < row[2]; i++) {
        int stride = i == 0 ? row[3] : 1;
        features.add(new InvertedResidual(in, out, stride, row[0]));
        strides.add(stride);
        channels.add(out);
        in = out;
      }
    }
    features.add(new ConvNormActivation(in, numFeatures, ConvSpec.kernel(1), Activation.relu6(), BN_EPS));
    strides.add(1);
    channels.add(numFeatures);
    register("features", features);
    declareStageEnds(features, strides, channels);
    registerDropoutClassifier(numFeatures, options.numClasses(), options.dropRateOr(0.2), fc -> {
      Init.normal(fc.weight(), 0, 0.01);
      Init.zeros(fc.bias());
    });
    initConvolutions(false);
  }

  @Override
  public Tensor forwardFeatures(Tensor x) {
    return features.forward(x);
  }

  /** Expand (1x1, ReLU6), depthwise 3x3 (ReLU6), linear projection (1x1); residual when the shape is kept. */
  static final class InvertedResidual extends MobileNetLayers.ResidualBlock {
    InvertedResidual(int in, int out, int stride, int expandRatio) {
      super("conv", branch(in, out, stride, expandRatio), null, stride == 1 && in == out);
    }

    private static Sequential branch(int in, int out, int stride, int expandRatio) {
      int hidden = in * expandRatio;
      Sequential c = new Sequential();
      if (expandRatio != 1) {
        c.add(new ConvNormActivation(in, hidden, ConvSpec.kernel(1), Activation.relu6(), BN_EPS));
      }
      c.add(new ConvNormActivation(hidden, hidden, ConvSpec.kernel(3).stride(stride).groups(hidden),
          Activation.relu6(), BN_EPS));
      c.add(new Conv2d(hidden, out, ConvSpec.kernel(1).noBias()));
      c.add(new BatchNorm2d(out));
      return c;
    }
  }
}
