package io.nets4j.models;

import io.nets4j.layers.ClassifierHead.Pooling;
import io.nets4j.nn.Activation;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.F;
import io.nets4j.nn.Layer;
import io.nets4j.nn.MaxPool2d;
import io.nets4j.nn.Sequential;
import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * ShuffleNet V2 (Ma et al. 2018, "ShuffleNet V2: Practical Guidelines for Efficient CNN
 * Architecture Design"), in torchvision's structure and parameter names.
 *
 * <p>A 3x3/2 convolution and 3x3/2 max pooling, three stages of units and a 1x1 convolution
 * ({@code conv5}). A stride-1 unit splits the channels in two halves (channel split): one half
 * passes unchanged, the other goes through 1x1 conv, 3x3 depthwise conv and 1x1 conv
 * ({@code branch2}); a stride-2 unit feeds the whole input to both branches, {@code branch1} being
 * a 3x3/2 depthwise conv and a 1x1 conv. The halves are concatenated and shuffled between the two
 * groups, so that information flows between branches of consecutive units (paper Figure 3).
 */
public final class ShuffleNetV2 extends ImageClassifier {
  /**
   * A ShuffleNet V2 variant (paper Table 5).
   *
   * @param repeats units in stages 2, 3 and 4
   * @param channels output channels of conv1, stage2, stage3, stage4 and conv5
   */
  public record Config(int[] repeats, int[] channels) {
    public Config {
      repeats = repeats.clone();
      channels = channels.clone();
      if (repeats.length != 3 || channels.length != 5) {
        throw new IllegalArgumentException("ShuffleNetV2 has 3 stages and 5 channel widths, got "
            + repeats.length + " and " + channels.length);
      }
      for (int s = 1; s <= 3; s++) {
        if (channels[s] % 2 != 0) {
          throw new IllegalArgumentException("stage" + (s + 1) + " width must be even (channel split), got " + channels[s]);
        }
      }
    }

    @Override
    public int[] repeats() {
      return repeats.clone();
    }

    @Override
    public int[] channels() {
      return channels.clone();
    }
  }

  private static final String PAPER =
      "Ma et al. 2018, ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture Design";

  /** Registers torchvision's 0.5x, 1x, 1.5x and 2x ShuffleNet V2. */
  static void register(Models.Registrar r) {
    int[] repeats = {4, 8, 4};
    variant(r, "shufflenet_v2_x0_5", new Config(repeats, new int[] {24, 48, 96, 192, 1024}));
    variant(r, "shufflenet_v2_x1_0", new Config(repeats, new int[] {24, 116, 232, 464, 1024}));
    variant(r, "shufflenet_v2_x1_5", new Config(repeats, new int[] {24, 176, 352, 704, 1024}));
    variant(r, "shufflenet_v2_x2_0", new Config(repeats, new int[] {24, 244, 488, 976, 2048}));
  }

  private static void variant(Models.Registrar r, String name, Config config) {
    r.add(name, "ShuffleNetV2", "torchvision", 224, PAPER, options -> new ShuffleNetV2(config, options));
  }

  private final Sequential conv1;
  private final MaxPool2d maxpool;
  private final Sequential[] stages = new Sequential[3];
  private final Sequential conv5;

  public ShuffleNetV2(Config config, ModelOptions options) {
    int[] widths = config.channels;
    conv1 = register("conv1", convBnRelu(options.inChannels(), widths[0], ConvSpec.kernel(3).stride(2).padding(1)));
    maxpool = register("maxpool", new MaxPool2d(3, 2, 1));
    int in = widths[0];
    for (int s = 0; s < 3; s++) {
      int out = widths[s + 1];
      Sequential stage = new Sequential(new InvertedResidual(in, out, 2));
      for (int i = 1; i < config.repeats[s]; i++) {
        stage.add(new InvertedResidual(out, out, 1));
      }
      stages[s] = register("stage" + (s + 2), stage);
      in = out;
    }
    conv5 = register("conv5", convBnRelu(in, widths[4], ConvSpec.kernel(1)));
    // feature maps: conv1 and maxpool (strides 2, 4), stage2 and stage3 (8, 16), and conv5 after
    // stage4 (32), which ends forwardFeatures
    declareFeature(conv1, widths[0], 2);
    declareFeature(maxpool, widths[0], 4);
    declareFeature(stages[0], widths[1], 8);
    declareFeature(stages[1], widths[2], 16);
    declareFeature(conv5, widths[4], 32);
    registerClassifier("fc", widths[4], options.numClasses(), ClassifierFactory.linear());
    declareHead(Pooling.AVERAGE, null);
  }

  private static Sequential convBnRelu(int in, int out, ConvSpec spec) {
    return new Sequential(new Conv2d(in, out, spec.noBias()), new BatchNorm2d(out), Activation.relu());
  }

  private static Conv2d depthwise(int channels, int stride) {
    return new Conv2d(channels, channels, ConvSpec.kernel(3).stride(stride).padding(1).groups(channels).noBias());
  }

  @Override
  public Tensor forwardFeatures(Tensor x) {
    return conv5.forward(forwardStages(maxpool.forward(conv1.forward(x)), stages));
  }

  /** The ShuffleNet V2 unit: channel split (stride 1) or two branches (stride 2), concat, shuffle. */
  static final class InvertedResidual extends Layer {
    private final int stride;
    private final Sequential branch1;
    private final Sequential branch2;

    InvertedResidual(int in, int out, int stride) {
      this.stride = stride;
      int branch = out / 2;
      if (stride == 1 && in != out) {
        throw new IllegalArgumentException("a stride-1 ShuffleNetV2 unit keeps its width, got " + in + " -> " + out);
      }
      branch1 = stride == 1 ? null : register("branch1", new Sequential(
          depthwise(in, stride), new BatchNorm2d(in),
          new Conv2d(in, branch, ConvSpec.kernel(1).noBias()), new BatchNorm2d(branch), Activation.relu()));
      branch2 = register("branch2", new Sequential(
          new Conv2d(stride == 1 ? branch : in, branch, ConvSpec.kernel(1).noBias()), new BatchNorm2d(branch),
          Activation.relu(),
          depthwise(branch, stride), new BatchNorm2d(branch),
          new Conv2d(branch, branch, ConvSpec.kernel(1).noBias()), new BatchNorm2d(branch), Activation.relu()));
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor out;
      if (stride == 1) {
        long half = x.size(1) / 2;
        out = Tensors.cat(List.of(x.narrow(1, 0, half), branch2.forward(x.narrow(1, half, half))), 1);
      } else {
        out = Tensors.cat(List.of(branch1.forward(x), branch2.forward(x)), 1);
      }
      return F.channelShuffle(out, 2);
    }
  }
}
