package io.nets4j.models;

import io.nets4j.layers.ClassifierHead.Pooling;
import io.nets4j.nn.Activation;
import io.nets4j.nn.AvgPool2d;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.F;
import io.nets4j.nn.Identity;
import io.nets4j.nn.Init;
import io.nets4j.nn.Layer;
import io.nets4j.nn.Linear;
import io.nets4j.nn.MaxPool2d;
import io.nets4j.nn.Module;
import io.nets4j.nn.Sequential;
import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * ShuffleNet (Zhang et al. 2018, "ShuffleNet: An Extremely Efficient Convolutional Neural Network
 * for Mobile Devices"), with the parameter names of the authors' code (megvii-model/ShuffleNet-Series).
 *
 * <p>The unit replaces ResNet's 1x1 convolutions by group convolutions with g groups, which cost
 * g times fewer multiply-adds; a channel shuffle between the two group convolutions lets every
 * group see channels of every other group. The bottleneck width is a quarter of the unit's output.
 * A stride-1 unit adds its input (then ReLU); a stride-2 unit concatenates a 3x3/2 average pooling
 * of its input with the branch (whose output is the unit's width minus the input width), widening
 * the network at almost no cost. The first 1x1 convolution of stage 2 is not grouped: its input
 * has only 24 channels (paper section 3.3).
 *
 * <p>As in the authors' code, the shuffle follows the depthwise convolution (equivalent to the
 * paper's placement before it, since a depthwise convolution treats each channel alone) and
 * transposes a {@code (C/g, g)} grid of channels. Global average pooling replaces the code's fixed
 * 7x7 pooling, so any input size is accepted; they agree at 224x224.
 *
 * <p>Variants are named {@code shufflenet_v1_xS_gG} for scale S and g groups. The 1x widths of
 * each g are paper Table 1; the other scales are the authors' code's widths for g = 3 and 8.
 */
public final class ShuffleNetV1 extends ImageClassifier {
  /**
   * A ShuffleNet variant.
   *
   * @param groups g, the groups of the pointwise convolutions
   * @param stem output channels of the first 3x3 convolution
   * @param channels output channels of stages 2, 3 and 4
   */
  public record Config(int groups, int stem, int[] channels) {
    public Config {
      channels = channels.clone();
      if (groups < 1 || channels.length != 3) {
        throw new IllegalArgumentException("ShuffleNet needs g >= 1 and 3 stage widths, got g=" + groups
            + " and " + channels.length + " widths");
      }
      int in = stem;
      for (int s = 0; s < 3; s++) {
        int out = channels[s];
        int mid = out / 4;
        if (out % 4 != 0 || mid % groups != 0 || (out - in) % groups != 0 || out <= in) {
          throw new IllegalArgumentException("stage" + (s + 2) + " width " + out + " does not fit g=" + groups
              + ": it must exceed its input width " + in + ", its quarter must be divisible by g,"
              + " and so must the widening " + (out - in));
        }
        in = out;
      }
    }

    @Override
    public int[] channels() {
      return channels.clone();
    }
  }

  /** Units in stages 2, 3 and 4 (paper Table 1). */
  private static final int[] REPEATS = {4, 8, 4};
  private static final String PAPER =
      "Zhang et al. 2018, ShuffleNet: An Extremely Efficient Convolutional Neural Network for Mobile Devices";

  /** Registers g = 1, 2, 3, 4, 8 at 1x (paper Table 1) and 0.5x, 1.5x, 2x for g = 3 and 8. */
  static void register(Models.Registrar r) {
    variant(r, "shufflenet_v1_x1_0_g1", new Config(1, 24, new int[] {144, 288, 576}));
    variant(r, "shufflenet_v1_x1_0_g2", new Config(2, 24, new int[] {200, 400, 800}));
    variant(r, "shufflenet_v1_x1_0_g3", new Config(3, 24, new int[] {240, 480, 960}));
    variant(r, "shufflenet_v1_x1_0_g4", new Config(4, 24, new int[] {272, 544, 1088}));
    variant(r, "shufflenet_v1_x1_0_g8", new Config(8, 24, new int[] {384, 768, 1536}));
    variant(r, "shufflenet_v1_x0_5_g3", new Config(3, 12, new int[] {120, 240, 480}));
    variant(r, "shufflenet_v1_x1_5_g3", new Config(3, 24, new int[] {360, 720, 1440}));
    variant(r, "shufflenet_v1_x2_0_g3", new Config(3, 48, new int[] {480, 960, 1920}));
    variant(r, "shufflenet_v1_x0_5_g8", new Config(8, 16, new int[] {192, 384, 768}));
    variant(r, "shufflenet_v1_x1_5_g8", new Config(8, 24, new int[] {576, 1152, 2304}));
    variant(r, "shufflenet_v1_x2_0_g8", new Config(8, 48, new int[] {768, 1536, 3072}));
  }

  private static void variant(Models.Registrar r, String name, Config config) {
    r.add(name, "ShuffleNetV1", "official", 224, PAPER,
        options -> new ShuffleNetV1(config, options));
  }

  private final Sequential firstConv;
  private final MaxPool2d maxpool;
  private final Sequential features;

  public ShuffleNetV1(Config config, ModelOptions options) {
    firstConv = register("first_conv", new Sequential(
        new Conv2d(options.inChannels(), config.stem(), ConvSpec.kernel(3).stride(2).padding(1).noBias()),
        new BatchNorm2d(config.stem()), Activation.relu()));
    maxpool = register("maxpool", new MaxPool2d(3, 2, 1));
    features = register("features", new Sequential());
    // feature maps: the stem (stride 2), its max pooling (4) and the last unit of each stage (8, 16, 32)
    declareFeature(firstConv, config.stem(), 2);
    declareFeature(maxpool, config.stem(), 4);
    int in = config.stem();
    for (int s = 0; s < 3; s++) {
      int out = config.channels[s];
      for (int i = 0; i < REPEATS[s]; i++) {
        features.add(new ShuffleUnit(in, out, config.groups(), i == 0 ? 2 : 1, s == 0 && i == 0));
        in = out;
      }
      declareFeature(features.get(features.size() - 1), out, 8 << s);
    }
    registerClassifier("classifier", in, options.numClasses(), ShuffleNetV1::classifier);
    declareHead(Pooling.AVERAGE, null);
    initialize();
  }

  /** The authors' initialisation: N(0, 0.01) for the stem, N(0, 1/fan-in-channels) for other convolutions. */
  private void initialize() {
    for (Module m : namedModules().values()) {
      if (m instanceof Conv2d c) {
        Init.normal(c.weight(), 0, m.path().startsWith("first_conv") ? 0.01 : 1.0 / c.weight().size(1));
      } else if (m instanceof BatchNorm2d bn) {
        Init.constant(bn.bias(), 1e-4);
      }
    }
  }

  private static Layer classifier(int numFeatures, int classes) {
    if (classes == 0) {
      return new Identity();
    }
    Linear fc = new Linear(numFeatures, classes, false);
    Init.normal(fc.weight(), 0, 0.01);
    return new Sequential(fc);
  }

  @Override
  public Tensor forwardFeatures(Tensor x) {
    return features.forward(maxpool.forward(firstConv.forward(x)));
  }

  /** The ShuffleNet unit (paper Figure 2 b, c). */
  static final class ShuffleUnit extends Layer {
    private final int groups;
    private final int stride;
    private final Sequential branchMain1;
    private final Sequential branchMain2;
    private final AvgPool2d branchProj;

    /**
     * @param ungroupedFirst whether the first 1x1 convolution is dense (first unit of stage 2)
     */
    ShuffleUnit(int in, int out, int groups, int stride, boolean ungroupedFirst) {
      this.groups = groups;
      this.stride = stride;
      int mid = out / 4;
      int branchOut = stride == 2 ? out - in : out;
      branchMain1 = register("branch_main_1", new Sequential(
          new Conv2d(in, mid, ConvSpec.kernel(1).groups(ungroupedFirst ? 1 : groups).noBias()),
          new BatchNorm2d(mid), Activation.relu(),
          new Conv2d(mid, mid, ConvSpec.kernel(3).stride(stride).padding(1).groups(mid).noBias()),
          new BatchNorm2d(mid)));
      branchMain2 = register("branch_main_2", new Sequential(
          new Conv2d(mid, branchOut, ConvSpec.kernel(1).groups(groups).noBias()), new BatchNorm2d(branchOut)));
      branchProj = stride == 2 ? register("branch_proj", new AvgPool2d(3, 2, 1, false, true)) : null;
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor y = branchMain1.forward(x);
      if (groups > 1) {
        y = F.channelShuffle(y, (int) (y.size(1) / groups));
      }
      y = branchMain2.forward(y);
      if (stride == 1) {
        return F.relu(y.add(x));
      }
      return Tensors.cat(List.of(branchProj.forward(x), F.relu(y)), 1);
    }
  }
}
