package io.nets4j.models;

import io.nets4j.layers.LayerNorm2d;
import io.nets4j.layers.Permute;
import io.nets4j.nn.Activation;
import io.nets4j.nn.AdaptiveAvgPool2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Flatten;
import io.nets4j.nn.Init;
import io.nets4j.nn.Layer;
import io.nets4j.nn.LayerNorm;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Module;
import io.nets4j.nn.Sequential;
import io.nets4j.nn.StochasticDepth;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * ConvNeXt (Liu et al. 2022, "A ConvNet for the 2020s"), in torchvision's structure and parameter
 * names.
 *
 * <p>A ResNet modernised step by step towards a vision Transformer: a 4x4/4 "patchify" stem with
 * layer norm, four stages separated by downsampling layers (layer norm, 2x2/2 convolution), and
 * blocks made of a 7x7 depthwise convolution, layer norm over the channels, and an inverted
 * bottleneck MLP (4x expansion, GELU) applied per position, scaled per channel by a learned layer
 * scale (initially 1e-6) and added to the input, with stochastic depth. {@code features} holds the
 * stem, the stages and the downsampling layers alternately; {@code classifier} is layer norm,
 * flatten and a linear layer. All layer norms have epsilon 1e-6.
 */
public final class ConvNeXt extends ImageClassifier {
  /**
   * A ConvNeXt variant.
   *
   * @param depths blocks per stage
   * @param dims channels per stage
   * @param dropPathRate default stochastic-depth rate of the last block (torchvision's recipe)
   */
  public record Config(int[] depths, int[] dims, double dropPathRate) {
    public Config {
      depths = depths.clone();
      dims = dims.clone();
      if (depths.length != dims.length || depths.length == 0) {
        throw new IllegalArgumentException("ConvNeXt needs as many depths as widths, got " + depths.length
            + " and " + dims.length);
      }
    }

    @Override
    public int[] depths() {
      return depths.clone();
    }

    @Override
    public int[] dims() {
      return dims.clone();
    }
  }

  private static final double LN_EPS = 1e-6;
  private static final double LAYER_SCALE = 1e-6;
  private static final String PAPER = "Liu et al. 2022, A ConvNet for the 2020s";

  /** Registers torchvision's ConvNeXt T/S/B/L. */
  static void register(Models.Registrar r) {
    variant(r, "convnext_tiny", new Config(new int[] {3, 3, 9, 3}, new int[] {96, 192, 384, 768}, 0.1));
    variant(r, "convnext_small", new Config(new int[] {3, 3, 27, 3}, new int[] {96, 192, 384, 768}, 0.4));
    variant(r, "convnext_base", new Config(new int[] {3, 3, 27, 3}, new int[] {128, 256, 512, 1024}, 0.5));
    variant(r, "convnext_large", new Config(new int[] {3, 3, 27, 3}, new int[] {192, 384, 768, 1536}, 0.5));
  }

  private static void variant(Models.Registrar r, String name, Config config) {
    r.add(name, "ConvNeXt", "torchvision", 224, PAPER, options -> new ConvNeXt(config, options));
  }

  private final Sequential features;
  private final AdaptiveAvgPool2d avgpool;
  private final Sequential classifier;

  public ConvNeXt(Config config, ModelOptions options) {
    int[] dims = config.dims;
    features = new Sequential();
    features.add(new Sequential(
        new Conv2d(options.inChannels(), dims[0], ConvSpec.kernel(4).stride(4)), new LayerNorm2d(dims[0], LN_EPS)));
    int total = 0;
    for (int d : config.depths) {
      total += d;
    }
    double dropPath = options.dropPathRateOr(config.dropPathRate());
    int index = 0;
    for (int s = 0; s < dims.length; s++) {
      Sequential stage = new Sequential();
      for (int i = 0; i < config.depths[s]; i++) {
        stage.add(new CNBlock(dims[s], StochasticDepth.linearRate(dropPath, index, total)));
        index++;
      }
      features.add(stage);
      if (s + 1 < dims.length) {
        features.add(new Sequential(
            new LayerNorm2d(dims[s], LN_EPS), new Conv2d(dims[s], dims[s + 1], ConvSpec.kernel(2).stride(2))));
      }
    }
    register("features", features);
    // feature maps (timm's stages.0..3): each stage (features.1, 3, 5, 7), at strides 4, 8, 16, 32
    for (int s = 0; s < dims.length; s++) {
      declareFeature(features.get(2 * s + 1), dims[s], 4 << s);
    }
    avgpool = register("avgpool", new AdaptiveAvgPool2d(1, 1));
    int numFeatures = dims[dims.length - 1];
    // torchvision's classifier: 0 layer norm, 1 flatten, 2 linear (replaced for fine-tuning)
    classifier = register("classifier", new Sequential(new LayerNorm2d(numFeatures, LN_EPS), new Flatten(1)));
    addClassifier(classifier, numFeatures, options.numClasses(),
        ClassifierFactory.linear(fc -> initialize(fc.weight(), fc.bias())));
    for (Module m : namedModules().values()) {
      if (m instanceof Conv2d c) {
        initialize(c.weight(), c.bias());
      } else if (m instanceof Linear l) {
        initialize(l.weight(), l.bias());
      }
    }
  }

  private static void initialize(Tensor weight, Tensor bias) {
    Init.truncNormal(weight, 0.02, -2, 2);
    if (bias != null) {
      Init.zeros(bias);
    }
  }

  @Override
  public Tensor forwardFeatures(Tensor x) {
    return features.forward(x);
  }

  @Override
  public Tensor forwardHead(Tensor features) {
    return classifier.forward(avgpool.forward(features));
  }

  /**
   * The ConvNeXt block: depthwise 7x7, then (channels last) layer norm, linear 4x, GELU, linear;
   * scaled by {@code layer_scale}, stochastic depth, residual.
   */
  static final class CNBlock extends Layer {
    private final Tensor layerScale;
    private final Sequential block;
    private final StochasticDepth stochasticDepth;

    CNBlock(int dim, double dropPathRate) {
      layerScale = registerParameter("layer_scale", Tensors.full(DType.FLOAT32, LAYER_SCALE, dim, 1, 1));
      block = register("block", new Sequential(
          new Conv2d(dim, dim, ConvSpec.kernel(7).padding(3).groups(dim)),
          Permute.channelsLast(),
          new LayerNorm(dim, LN_EPS),
          new Linear(dim, 4 * dim),
          Activation.gelu(),
          new Linear(4 * dim, dim),
          Permute.channelsFirst()));
      stochasticDepth = register("stochastic_depth", new StochasticDepth(dropPathRate));
    }

    @Override
    protected Tensor compute(Tensor x) {
      return stochasticDepth.forward(layerScale.mul(block.forward(x))).add(x);
    }
  }
}
