package io.nets4j.models;

import io.nets4j.nn.Activation;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Sequential;
import io.nets4j.nn.SqueezeExcitation;
import io.nets4j.nn.StochasticDepth;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * EfficientNet B0-B7 (Tan and Le 2019, "EfficientNet: Rethinking Model Scaling for Convolutional
 * Neural Networks") and EfficientNetV2-S/M/L (Tan and Le 2021, "EfficientNetV2: Smaller Models and
 * Faster Training"), in torchvision's structure and parameter names.
 *
 * <p>{@code features} is a 3x3/2 stem, one {@code Sequential} per stage of blocks, and a 1x1
 * convolution (four times the last stage's width, or 1280 for V2); {@code classifier} is dropout and
 * a linear layer. The MBConv block is MobileNet V2's inverted residual with SiLU and a
 * squeeze-and-excitation whose bottleneck is a quarter of the block's <em>input</em> width; the
 * FusedMBConv block of V2 replaces the expansion and depthwise convolutions by one full 3x3
 * convolution. Residual branches are dropped by stochastic depth, at a rate growing linearly from 0
 * to {@code dropPathRate} (default 0.2) with the block index.
 *
 * <p>Feature maps: the last stage before each stride (timm's {@code feature_info}: 16, 24, 40 and
 * 112 channels at strides 2 to 16 for B0), then the last 1x1 convolution (stride 32, where
 * torchvision's MobileNet extractors end).
 *
 * <h2>Compound scaling</h2>
 * The paper scales B0 by depth {@code d = alpha^phi}, width {@code w = beta^phi} and resolution
 * {@code r = gamma^phi} with {@code alpha = 1.2, beta = 1.1, gamma = 1.15}. Every B-variant here is
 * derived from the B0 stage table by the rules of the official code: a stage's channels become
 * {@code makeDivisible(c * w, 8)} (nearest multiple of 8, never 10% below) and its repeats
 * {@code ceil(n * d)}. The coefficients themselves, however, are not {@code beta^phi} and
 * {@code alpha^phi}: the released B1-B7 use the rounded values of the official table (B7: w = 2.0,
 * d = 3.1, 600 px, against 1.95, 3.58, 596 for phi = 7; B1 keeps w = 1.0). Scaling with the exact
 * powers gives other networks (B1 would become B2), so {@link #compoundScaling()} lists the
 * released coefficients, from which the models are built, beside the ideal powers.
 *
 * <p>Batch norm follows torchvision: epsilon 1e-5 and momentum 0.1 for B0-B4 (weights trained in
 * PyTorch), 1e-3 and 0.01 for B5-B7 (weights ported from TensorFlow), 1e-3 and 0.1 for V2.
 */
public final class EfficientNet extends ImageClassifier {
  /** The block type of a stage. */
  public enum BlockType {
    /** Mobile inverted bottleneck: 1x1 expansion, depthwise kxk, SE, 1x1 projection. */
    MBCONV,
    /** Fused: a kxk convolution does the expansion (and the stride), then the 1x1 projection. */
    FUSED_MBCONV
  }

  /**
   * One stage (a row of EfficientNet Table 1 or EfficientNetV2 Table 4).
   *
   * @param type block type
   * @param expandRatio expansion of the block's input width
   * @param kernel kernel size
   * @param stride stride of the first block
   * @param in input channels of the first block
   * @param out output channels
   * @param layers number of blocks
   */
  public record Stage(BlockType type, double expandRatio, int kernel, int stride, int in, int out, int layers) {
    /** This stage widened by {@code width} and deepened by {@code depth}, with the official rounding. */
    public Stage scaled(double width, double depth) {
      return new Stage(type, expandRatio, kernel, stride, MobileNetLayers.makeDivisible(in * width, 8),
          MobileNetLayers.makeDivisible(out * width, 8), (int) Math.ceil(layers * depth));
    }
  }

  /**
   * An EfficientNet variant.
   *
   * @param stages the stages of blocks
   * @param lastChannel width of the last 1x1 convolution, {@code 0} for four times the last stage's
   * @param dropout dropout before the classifier
   * @param bnEps batch norm epsilon
   * @param bnMomentum batch norm momentum
   */
  public record Config(List<Stage> stages, int lastChannel, double dropout, double bnEps, double bnMomentum) {
    public Config {
      stages = List.copyOf(stages);
      if (stages.isEmpty()) {
        throw new IllegalArgumentException("EfficientNet needs at least one stage");
      }
    }
  }

  /**
   * The compound-scaling coefficients of one B-variant.
   *
   * @param name registry name
   * @param phi the compound coefficient
   * @param width released width multiplier
   * @param depth released depth multiplier
   * @param resolution released input resolution
   * @param dropout released dropout rate before the classifier
   */
  public record Scaling(String name, int phi, double width, double depth, int resolution, double dropout) {
    /** {@code beta^phi}. */
    public double idealWidth() {
      return Math.pow(BETA, phi);
    }

    /** {@code alpha^phi}. */
    public double idealDepth() {
      return Math.pow(ALPHA, phi);
    }

    /** {@code 224 * gamma^phi}. */
    public double idealResolution() {
      return B0_RESOLUTION * Math.pow(GAMMA, phi);
    }
  }

  public static final double ALPHA = 1.2;
  public static final double BETA = 1.1;
  public static final double GAMMA = 1.15;
  private static final int B0_RESOLUTION = 224;
  private static final double DROP_PATH_RATE = 0.2;

  /** The baseline EfficientNet-B0 (paper Table 1); the stem width is the first stage's input. */
  public static final List<Stage> B0_STAGES = List.of(
      new Stage(BlockType.MBCONV, 1, 3, 1, 32, 16, 1),
      new Stage(BlockType.MBCONV, 6, 3, 2, 16, 24, 2),
      new Stage(BlockType.MBCONV, 6, 5, 2, 24, 40, 2),
      new Stage(BlockType.MBCONV, 6, 3, 2, 40, 80, 3),
      new Stage(BlockType.MBCONV, 6, 5, 1, 80, 112, 3),
      new Stage(BlockType.MBCONV, 6, 5, 2, 112, 192, 4),
      new Stage(BlockType.MBCONV, 6, 3, 1, 192, 320, 1));

  /** EfficientNetV2-S (V2 paper Table 4). */
  public static final List<Stage> V2_S_STAGES = List.of(
      new Stage(BlockType.FUSED_MBCONV, 1, 3, 1, 24, 24, 2),
      new Stage(BlockType.FUSED_MBCONV, 4, 3, 2, 24, 48, 4),
      new Stage(BlockType.FUSED_MBCONV, 4, 3, 2, 48, 64, 4),
      new Stage(BlockType.MBCONV, 4, 3, 2, 64, 128, 6),
      new Stage(BlockType.MBCONV, 6, 3, 1, 128, 160, 9),
      new Stage(BlockType.MBCONV, 6, 3, 2, 160, 256, 15));

  /** EfficientNetV2-M, scaled up from S by the authors (official code, as torchvision). */
  public static final List<Stage> V2_M_STAGES = List.of(
      new Stage(BlockType.FUSED_MBCONV, 1, 3, 1, 24, 24, 3),
      new Stage(BlockType.FUSED_MBCONV, 4, 3, 2, 24, 48, 5),
      new Stage(BlockType.FUSED_MBCONV, 4, 3, 2, 48, 80, 5),
      new Stage(BlockType.MBCONV, 4, 3, 2, 80, 160, 7),
      new Stage(BlockType.MBCONV, 6, 3, 1, 160, 176, 14),
      new Stage(BlockType.MBCONV, 6, 3, 2, 176, 304, 18),
      new Stage(BlockType.MBCONV, 6, 3, 1, 304, 512, 5));

  /** EfficientNetV2-L, scaled up from S by the authors (official code, as torchvision). */
  public static final List<Stage> V2_L_STAGES = List.of(
      new Stage(BlockType.FUSED_MBCONV, 1, 3, 1, 32, 32, 4),
      new Stage(BlockType.FUSED_MBCONV, 4, 3, 2, 32, 64, 7),
      new Stage(BlockType.FUSED_MBCONV, 4, 3, 2, 64, 96, 7),
      new Stage(BlockType.MBCONV, 4, 3, 2, 96, 192, 10),
      new Stage(BlockType.MBCONV, 6, 3, 1, 192, 224, 19),
      new Stage(BlockType.MBCONV, 6, 3, 2, 224, 384, 25),
      new Stage(BlockType.MBCONV, 6, 3, 1, 384, 640, 7));

  private static final List<Scaling> SCALING = List.of(
      new Scaling("efficientnet_b0", 0, 1.0, 1.0, 224, 0.2),
      new Scaling("efficientnet_b1", 1, 1.0, 1.1, 240, 0.2),
      new Scaling("efficientnet_b2", 2, 1.1, 1.2, 260, 0.3),
      new Scaling("efficientnet_b3", 3, 1.2, 1.4, 300, 0.3),
      new Scaling("efficientnet_b4", 4, 1.4, 1.8, 380, 0.4),
      new Scaling("efficientnet_b5", 5, 1.6, 2.2, 456, 0.4),
      new Scaling("efficientnet_b6", 6, 1.8, 2.6, 528, 0.5),
      new Scaling("efficientnet_b7", 7, 2.0, 3.1, 600, 0.5));

  private static final String PAPER = "Tan and Le 2019, EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks";
  private static final String PAPER_V2 = "Tan and Le 2021, EfficientNetV2: Smaller Models and Faster Training";

  /** The compound-scaling table of B0-B7: phi, released width/depth/resolution/dropout (and the ideal powers). */
  public static List<Scaling> compoundScaling() {
    return SCALING;
  }

  /** The configuration of B-variant {@code s}, derived from B0. */
  public static Config config(Scaling s) {
    List<Stage> stages = new ArrayList<>();
    for (Stage stage : B0_STAGES) {
      stages.add(stage.scaled(s.width(), s.depth()));
    }
    // B5-B7 were trained in TensorFlow, whose batch norm defaults torchvision keeps for their weights
    boolean tensorflowBn = s.phi() >= 5;
    return new Config(stages, 0, s.dropout(), tensorflowBn ? 1e-3 : BatchNorm2d.DEFAULT_EPS,
        tensorflowBn ? 0.01 : BatchNorm2d.DEFAULT_MOMENTUM);
  }

  /** Registers torchvision's EfficientNet B0-B7 and EfficientNetV2-S/M/L. */
  static void register(Models.Registrar r) {
    for (Scaling s : SCALING) {
      Config config = config(s);
      r.add(s.name(), "EfficientNet", "torchvision", s.resolution(), PAPER,
          options -> new EfficientNet(config, options));
    }
    v2(r, "efficientnet_v2_s", V2_S_STAGES, 0.2, 384);
    v2(r, "efficientnet_v2_m", V2_M_STAGES, 0.3, 480);
    v2(r, "efficientnet_v2_l", V2_L_STAGES, 0.4, 480);
  }

  private static void v2(Models.Registrar r, String name, List<Stage> stages, double dropout, int resolution) {
    Config config = new Config(stages, 1280, dropout, 1e-3, BatchNorm2d.DEFAULT_MOMENTUM);
    r.add(name, "EfficientNet", "torchvision", resolution, PAPER_V2,
        options -> new EfficientNet(config, options));
  }

  private final Sequential features;

  public EfficientNet(Config config, ModelOptions options) {
    double eps = config.bnEps();
    double momentum = config.bnMomentum();
    features = new Sequential();
    int stem = config.stages().get(0).in();
    features.add(MobileNetLayers.convBnAct(options.inChannels(), stem, ConvSpec.kernel(3).stride(2),
        Activation.silu(), eps, momentum));
    int total = 0;
    for (Stage s : config.stages()) {
      total += s.layers();
    }
    double dropPath = options.dropPathRateOr(DROP_PATH_RATE);
    int index = 0;
    List<Integer> strides = new ArrayList<>(List.of(2));
    List<Integer> channels = new ArrayList<>(List.of(stem));
    for (Stage s : config.stages()) {
      Sequential stage = new Sequential();
      for (int i = 0; i < s.layers(); i++) {
        int in = i == 0 ? s.in() : s.out();
        int stride = i == 0 ? s.stride() : 1;
        double rate = dropPath * index / total;
        stage.add(s.type() == BlockType.MBCONV
            ? new MBConv(s, in, stride, rate, eps, momentum)
            : new FusedMBConv(s, in, stride, rate, eps, momentum));
        index++;
      }
      features.add(stage);
      strides.add(s.stride());
      channels.add(s.out());
    }
    int lastIn = config.stages().get(config.stages().size() - 1).out();
    int numFeatures = config.lastChannel() > 0 ? config.lastChannel() : 4 * lastIn;
    features.add(MobileNetLayers.convBnAct(lastIn, numFeatures, ConvSpec.kernel(1), Activation.silu(), eps, momentum));
    strides.add(1);
    channels.add(numFeatures);
    register("features", features);
    declareStageEnds(features, strides, channels);
    registerDropoutClassifier(numFeatures, options.numClasses(), options.dropRateOr(config.dropout()),
        MobileNetLayers::initClassifier);
    initConvolutions(true);
  }

  @Override
  public Tensor forwardFeatures(Tensor x) {
    return features.forward(x);
  }

  /** 1x1 expansion (skipped at ratio 1), depthwise kxk, SE, linear 1x1 projection; all but the last with SiLU. */
  static final class MBConv extends MobileNetLayers.ResidualBlock {
    MBConv(Stage s, int in, int stride, double dropPathRate, double eps, double momentum) {
      super("block", branch(s, in, stride, eps, momentum), new StochasticDepth(dropPathRate), stride == 1 && in == s.out());
    }

    private static Sequential branch(Stage s, int in, int stride, double eps, double momentum) {
      int expanded = MobileNetLayers.makeDivisible(in * s.expandRatio(), 8);
      return MobileNetLayers.invertedResidualBranch(in, expanded, s.out(), s.kernel(), stride, Activation::silu,
          new SqueezeExcitation(expanded, Math.max(1, in / 4), Activation.silu(), Activation.sigmoid()), eps, momentum);
    }
  }

  /** kxk expansion convolution with SiLU and a linear 1x1 projection (or one kxk convolution at ratio 1). */
  static final class FusedMBConv extends MobileNetLayers.ResidualBlock {
    FusedMBConv(Stage s, int in, int stride, double dropPathRate, double eps, double momentum) {
      super("block", branch(s, in, stride, eps, momentum), new StochasticDepth(dropPathRate), stride == 1 && in == s.out());
    }

    private static Sequential branch(Stage s, int in, int stride, double eps, double momentum) {
      int expanded = MobileNetLayers.makeDivisible(in * s.expandRatio(), 8);
      ConvSpec spec = ConvSpec.kernel(s.kernel()).stride(stride);
      if (expanded == in) {
        return new Sequential(MobileNetLayers.convBnAct(in, s.out(), spec, Activation.silu(), eps, momentum));
      }
      return new Sequential(
          MobileNetLayers.convBnAct(in, expanded, spec, Activation.silu(), eps, momentum),
          MobileNetLayers.convBnAct(expanded, s.out(), ConvSpec.kernel(1), null, eps, momentum));
    }
  }
}
