package io.nets4j.models;

import io.nets4j.nn.Activation;
import io.nets4j.nn.AdaptiveAvgPool2d;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Dropout;
import io.nets4j.nn.Init;
import io.nets4j.nn.Linear;
import io.nets4j.nn.MaxPool2d;
import io.nets4j.nn.Module;
import io.nets4j.nn.Sequential;
import org.bytedeco.pytorch.Tensor;

/**
 * VGG (Simonyan and Zisserman 2015, "Very Deep Convolutional Networks for Large-Scale Image
 * Recognition"), in torchvision's structure and parameter names.
 *
 * <p>Stacks of 3x3 convolutions (padding 1, ReLU; with batch norm after each convolution in the
 * {@code _bn} variants, which the paper does not have), separated by 2x2/2 max pooling, then an
 * adaptive 7x7 average pooling and three fully connected layers 25088-4096-4096-classes with
 * dropout 0.5 after the first two. The configurations A, B, D and E of the paper's Table 1 give
 * VGG-11, -13, -16 and -19 (the paper's A-LRN and C variants are not included, as in
 * torchvision). All layers of the feature extractor are in one {@code features} sequence, so
 * parameter names are indices ({@code features.0.weight}, {@code features.1.running_mean} for
 * the batch-norm variants, {@code classifier.6.bias}).
 *
 * <p>Feature maps (timm's): the activation before each max pooling (strides 1 to 16) and the
 * last max pooling (stride 32).
 */
public final class VGG extends ImageClassifier {
  /** Marks a 2x2/2 max pooling in a configuration. */
  public static final int M = 0;

  /**
   * A VGG variant.
   *
   * @param layers output channels of each 3x3 convolution, in order, with {@link #M} for a max
   *     pooling
   * @param batchNorm whether each convolution is followed by batch norm
   */
  public record Config(int[] layers, boolean batchNorm) {
    public Config {
      layers = layers.clone();
    }

    @Override
    public int[] layers() {
      return layers.clone();
    }
  }

  /** The paper's Table 1, configurations A, B, D, E. */
  private static final int[] A = {64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M};
  private static final int[] B = {64, 64, M, 128, 128, M, 256, 256, M, 512, 512, M, 512, 512, M};
  private static final int[] D = {64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M, 512, 512, 512, M};
  private static final int[] E = {64, 64, M, 128, 128, M, 256, 256, 256, 256, M, 512, 512, 512, 512, M,
      512, 512, 512, 512, M};

  private static final String PAPER = "Simonyan and Zisserman 2015, Very Deep Convolutional Networks for "
      + "Large-Scale Image Recognition";
  private static final int HIDDEN = 4096;
  private static final int POOLED = 7;

  /** Registers VGG-11/13/16/19 and their batch-norm variants. */
  static void register(Models.Registrar r) {
    int[][] configs = {A, B, D, E};
    int[] depths = {11, 13, 16, 19};
    for (int i = 0; i < configs.length; i++) {
      for (boolean bn : new boolean[] {false, true}) {
        Config config = new Config(configs[i], bn);
        r.add("vgg" + depths[i] + (bn ? "_bn" : ""), "VGG", "torchvision", 224, PAPER,
            options -> new VGG(config, options));
      }
    }
  }

  private final Sequential features;

  public VGG(Config config, ModelOptions options) {
    features = register("features", new Sequential());
    int in = options.inChannels();
    for (int v : config.layers) {
      if (v == M) {
        features.add(new MaxPool2d(2, 2, 0));
        continue;
      }
      features.add(new Conv2d(in, v, ConvSpec.kernel(3).padding(1)));
      if (config.batchNorm) {
        features.add(new BatchNorm2d(v));
      }
      features.add(Activation.relu());
      in = v;
    }
    // timm's feature_info: the ReLU (or batch norm) before each max pooling, and the last pooling
    declareStageEnds(features);
    AdaptiveAvgPool2d avgpool = register("avgpool", new AdaptiveAvgPool2d(POOLED, POOLED));
    double drop = options.dropRateOr(0.5);
    Sequential classifier = register("classifier", new Sequential(
        new Linear(in * POOLED * POOLED, HIDDEN), Activation.relu(), new Dropout(drop),
        new Linear(HIDDEN, HIDDEN), Activation.relu(), new Dropout(drop)));
    // the class projection classifier.6, fed by the 4096 outputs of the second hidden layer
    addClassifier(classifier, HIDDEN, options.numClasses(), ClassifierFactory.linear(VGG::initLinear));
    declareHead(avgpool, null, classifier);
    for (Module m : namedModules().values()) {
      if (m instanceof Conv2d c) {
        Init.kaimingNormalFanOut(c.weight());
        Init.zeros(c.bias());
      } else if (m instanceof Linear l) {
        initLinear(l);
      }
    }
  }

  private static void initLinear(Linear l) {
    Init.normal(l.weight(), 0, 0.01);
    Init.zeros(l.bias());
  }

  @Override
  public Tensor forwardFeatures(Tensor x) {
    return features.forward(x);
  }

}
