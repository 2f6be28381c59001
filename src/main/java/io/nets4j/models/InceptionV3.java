package io.nets4j.models;

import io.nets4j.models.GoogLeNet.BasicConv2d;
import io.nets4j.nn.AdaptiveAvgPool2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Dropout;
import io.nets4j.nn.F;
import io.nets4j.nn.Identity;
import io.nets4j.nn.Init;
import io.nets4j.nn.Layer;
import io.nets4j.nn.Linear;
import io.nets4j.nn.MaxPool2d;
import io.nets4j.nn.Module;
import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Inception v3 (Szegedy et al. 2016, "Rethinking the Inception Architecture for Computer
 * Vision"), in torchvision's structure and parameter names ({@code Conv2d_1a_3x3},
 * {@code Mixed_5b.branch5x5_1}, {@code AuxLogits.conv0}, ...).
 *
 * <p>For 299x299 input: a stem of 3x3 convolutions and max pooling down to 35x35x192; three
 * InceptionA modules (35x35), a grid reduction (InceptionB, to 17x17x768), four InceptionC modules
 * with factorized 1x7/7x1 convolutions, a second reduction (InceptionD, to 8x8x1280) and two
 * InceptionE modules with expanded 1x3/3x1 branches (8x8x2048); then global average pooling,
 * dropout 0.5 and a linear classifier. Every convolution is a {@link BasicConv2d} (no bias,
 * batch norm with eps 0.001, ReLU). The auxiliary classifier {@code AuxLogits} reads the 17x17
 * grid after {@code Mixed_6e}; it is in the state_dict (27,161,264 parameters with 1000 classes)
 * and runs only in {@link #forwardWithAux}, used for training, whose {@link Outputs#loss} weights
 * the auxiliary loss by 0.4 as torchvision's reference training recipe.
 *
 * <p>Initialisation as torchvision: convolution and linear weights N(0, 0.1) truncated to
 * [-2, 2], except the auxiliary classifier's linear layer, N(0, 0.001); batch norm 1 and 0.
 * (torchvision also marks the auxiliary 5x5 convolution with std 0.01, but on the
 * {@code BasicConv2d} wrapper, which its init loop does not visit, so that convolution gets 0.1;
 * we reproduce what it does.)
 */
public final class InceptionV3 extends ImageClassifier {
  /**
   * Options of torchvision's constructor.
   *
   * @param auxLogits whether the auxiliary classifier is built
   * @param transformInput whether ImageNet-normalised input is mapped to the [-1, 1] scaling that
   *     the TensorFlow-ported pretrained weights expect
   */
  public record Config(boolean auxLogits, boolean transformInput) {
    /** Auxiliary classifier on, input transform off: torchvision's {@code inception_v3()}. */
    public static final Config DEFAULT = new Config(true, false);
  }

  /**
   * The outputs of a forward pass with the auxiliary classifier.
   *
   * @param logits the main classifier's logits
   * @param aux the auxiliary classifier's logits
   */
  public record Outputs(Tensor logits, Tensor aux) {
    /** The weight of the auxiliary loss (torchvision's reference training script). */
    public static final double AUX_WEIGHT = 0.4;

    /** Cross-entropy of the main logits plus 0.4 times that of the auxiliary logits. */
    public Tensor loss(Tensor target) {
      return F.crossEntropy(logits, target).add(F.crossEntropy(aux, target).mul(new Scalar(AUX_WEIGHT)));
    }
  }

  private static final String PAPER = "Szegedy et al. 2016, Rethinking the Inception Architecture for Computer Vision";
  private static final int FEATURES = 2048;

  /** Registers torchvision's {@code inception_v3}. */
  static void register(Models.Registrar r) {
    r.add("inception_v3", "InceptionV3", "torchvision", 299, PAPER,
        options -> new InceptionV3(Config.DEFAULT, options));
  }

  private final boolean transformInput;
  private final BasicConv2d conv1a;
  private final BasicConv2d conv2a;
  private final BasicConv2d conv2b;
  private final MaxPool2d maxpool1;
  private final BasicConv2d conv3b;
  private final BasicConv2d conv4a;
  private final MaxPool2d maxpool2;
  private final Layer[] mixed5to6;
  private AuxHead auxLogits;
  private final Layer[] mixed7;

  public InceptionV3(Config config, ModelOptions options) {
    if (config.transformInput && options.inChannels() != 3) {
      throw new IllegalArgumentException("transformInput re-normalises RGB input; it needs 3 input channels, got "
          + options.inChannels());
    }
    transformInput = config.transformInput;
    int numClasses = options.numClasses();
    conv1a = register("Conv2d_1a_3x3", new BasicConv2d(options.inChannels(), 32, ConvSpec.kernel(3).stride(2)));
    conv2a = register("Conv2d_2a_3x3", new BasicConv2d(32, 32, ConvSpec.kernel(3)));
    conv2b = register("Conv2d_2b_3x3", new BasicConv2d(32, 64, ConvSpec.kernel(3).padding(1)));
    maxpool1 = register("maxpool1", new MaxPool2d(3, 2, 0));
    conv3b = register("Conv2d_3b_1x1", new BasicConv2d(64, 80, ConvSpec.kernel(1)));
    conv4a = register("Conv2d_4a_3x3", new BasicConv2d(80, 192, ConvSpec.kernel(3)));
    maxpool2 = register("maxpool2", new MaxPool2d(3, 2, 0));
    mixed5to6 = new Layer[] {
        register("Mixed_5b", new InceptionA(192, 32)),
        register("Mixed_5c", new InceptionA(256, 64)),
        register("Mixed_5d", new InceptionA(288, 64)),
        register("Mixed_6a", new InceptionB(288)),
        register("Mixed_6b", new InceptionC(768, 128)),
        register("Mixed_6c", new InceptionC(768, 160)),
        register("Mixed_6d", new InceptionC(768, 160)),
        register("Mixed_6e", new InceptionC(768, 192)),
    };
    if (config.auxLogits) {
      auxLogits = register("AuxLogits", new AuxHead(768, numClasses));
    }
    // timm's feature_info; the strides are nominal, as the stem's convolutions do not pad (299 px
    // give maps of 147, 71, 35, 17 and 8)
    declareFeature(conv2b, 64, 2);
    declareFeature(conv4a, 192, 4);
    declareFeature(mixed5to6[2], 288, 8);
    declareFeature(mixed5to6[7], 768, 16);
    mixed7 = new Layer[] {
        register("Mixed_7a", new InceptionD(768)),
        register("Mixed_7b", new InceptionE(1280)),
        register("Mixed_7c", new InceptionE(2048)),
    };
    declareFeature(mixed7[2], 2048, 32);
    AdaptiveAvgPool2d avgpool = register("avgpool", new AdaptiveAvgPool2d(1, 1));
    Dropout dropout = register("dropout", new Dropout(options.dropRateOr(0.5)));
    registerClassifier("fc", FEATURES, numClasses, (features, classes) -> classifier(features, classes, 0.1));
    declareHead(avgpool, dropout, null);
    for (Module m : namedModules().values()) {
      if (m instanceof Conv2d c) {
        truncNormal(c.weight(), 0.1);
      } else if (m instanceof Linear l) {
        truncNormal(l.weight(), m.parent() instanceof AuxHead ? 0.001 : 0.1);
      }
    }
  }

  private static void truncNormal(Tensor w, double std) {
    Init.truncNormal(w, std, -2, 2);
  }

  private static Layer classifier(int in, int classes, double std) {
    if (classes == 0) {
      return new Identity();
    }
    Linear l = new Linear(in, classes);
    truncNormal(l.weight(), std);
    return l;
  }

  /** Whether the auxiliary classifier is present. */
  public boolean hasAuxClassifier() {
    return auxLogits != null;
  }

  /** Removes the auxiliary classifier (for inference); its parameters leave the state_dict. */
  public void dropAuxClassifier() {
    if (auxLogits != null) {
      replace("AuxLogits", new Identity());
      auxLogits = null;
    }
  }

  private Tensor transform(Tensor x) {
    return transformInput ? GoogLeNet.tensorflowScaling(this, x) : x;
  }

  /** Stem and Mixed_5b..Mixed_6e: the 17x17x768 grid that also feeds the auxiliary classifier. */
  private Tensor to17x17(Tensor x) {
    Tensor y = maxpool1.forward(conv2b.forward(conv2a.forward(conv1a.forward(transform(x)))));
    y = maxpool2.forward(conv4a.forward(conv3b.forward(y)));
    for (Layer l : mixed5to6) {
      y = l.forward(y);
    }
    return y;
  }

  private Tensor to8x8(Tensor grid17) {
    Tensor y = grid17;
    for (Layer l : mixed7) {
      y = l.forward(y);
    }
    return y;
  }

  @Override
  public Tensor forwardFeatures(Tensor x) {
    return to8x8(to17x17(x));
  }

  /**
   * The forward pass with the auxiliary classifier, for training: main and auxiliary logits.
   *
   * @throws IllegalStateException if the auxiliary classifier was removed
   */
  public Outputs forwardWithAux(Tensor x) {
    if (auxLogits == null) {
      throw new IllegalStateException("this Inception v3 has no auxiliary classifier");
    }
    Tensor grid = to17x17(x);
    Tensor aux = auxLogits.forward(grid);
    return new Outputs(forwardHead(to8x8(grid)), aux);
  }

  /** Replaces the main classifier, and the auxiliary one so that it predicts the same classes. */
  @Override
  public void resetClassifier(int classes) {
    super.resetClassifier(classes);
    if (auxLogits != null) {
      auxLogits.resetClassifier(classes);
    }
  }

  private static BasicConv2d conv(int in, int out, ConvSpec spec) {
    return new BasicConv2d(in, out, spec);
  }

  /** 35x35 module: 1x1, 1x1-5x5, 1x1-3x3-3x3 and average-pool-1x1 branches. */
  static final class InceptionA extends Layer {
    private final BasicConv2d branch1x1;
    private final BasicConv2d branch5x5a;
    private final BasicConv2d branch5x5b;
    private final BasicConv2d branch3x3dbl1;
    private final BasicConv2d branch3x3dbl2;
    private final BasicConv2d branch3x3dbl3;
    private final BasicConv2d branchPool;

    InceptionA(int in, int poolFeatures) {
      branch1x1 = register("branch1x1", conv(in, 64, ConvSpec.kernel(1)));
      branch5x5a = register("branch5x5_1", conv(in, 48, ConvSpec.kernel(1)));
      branch5x5b = register("branch5x5_2", conv(48, 64, ConvSpec.kernel(5).padding(2)));
      branch3x3dbl1 = register("branch3x3dbl_1", conv(in, 64, ConvSpec.kernel(1)));
      branch3x3dbl2 = register("branch3x3dbl_2", conv(64, 96, ConvSpec.kernel(3).padding(1)));
      branch3x3dbl3 = register("branch3x3dbl_3", conv(96, 96, ConvSpec.kernel(3).padding(1)));
      branchPool = register("branch_pool", conv(in, poolFeatures, ConvSpec.kernel(1)));
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor b1 = branch1x1.forward(x);
      Tensor b5 = branch5x5b.forward(branch5x5a.forward(x));
      Tensor b3 = branch3x3dbl3.forward(branch3x3dbl2.forward(branch3x3dbl1.forward(x)));
      Tensor bp = branchPool.forward(avgPool3x3(x));
      return Tensors.cat(List.of(b1, b5, b3, bp), 1);
    }
  }

  /** Grid reduction 35 -> 17: stride-2 3x3, 1x1-3x3-3x3/2 and max-pool branches. */
  static final class InceptionB extends Layer {
    private final BasicConv2d branch3x3;
    private final BasicConv2d branch3x3dbl1;
    private final BasicConv2d branch3x3dbl2;
    private final BasicConv2d branch3x3dbl3;

    InceptionB(int in) {
      branch3x3 = register("branch3x3", conv(in, 384, ConvSpec.kernel(3).stride(2)));
      branch3x3dbl1 = register("branch3x3dbl_1", conv(in, 64, ConvSpec.kernel(1)));
      branch3x3dbl2 = register("branch3x3dbl_2", conv(64, 96, ConvSpec.kernel(3).padding(1)));
      branch3x3dbl3 = register("branch3x3dbl_3", conv(96, 96, ConvSpec.kernel(3).stride(2)));
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor b3 = branch3x3.forward(x);
      Tensor bd = branch3x3dbl3.forward(branch3x3dbl2.forward(branch3x3dbl1.forward(x)));
      return Tensors.cat(List.of(b3, bd, F.maxPool2d(x, 3, 2, 0, false)), 1);
    }
  }

  /** 17x17 module with factorized 7x7 convolutions (1x7 and 7x1), {@code c7} inner channels. */
  static final class InceptionC extends Layer {
    private final BasicConv2d branch1x1;
    private final BasicConv2d[] branch7x7 = new BasicConv2d[3];
    private final BasicConv2d[] branch7x7dbl = new BasicConv2d[5];
    private final BasicConv2d branchPool;

    InceptionC(int in, int c7) {
      ConvSpec k1x7 = ConvSpec.kernel(1, 7).padding(0, 3);
      ConvSpec k7x1 = ConvSpec.kernel(7, 1).padding(3, 0);
      branch1x1 = register("branch1x1", conv(in, 192, ConvSpec.kernel(1)));
      branch7x7[0] = register("branch7x7_1", conv(in, c7, ConvSpec.kernel(1)));
      branch7x7[1] = register("branch7x7_2", conv(c7, c7, k1x7));
      branch7x7[2] = register("branch7x7_3", conv(c7, 192, k7x1));
      branch7x7dbl[0] = register("branch7x7dbl_1", conv(in, c7, ConvSpec.kernel(1)));
      branch7x7dbl[1] = register("branch7x7dbl_2", conv(c7, c7, k7x1));
      branch7x7dbl[2] = register("branch7x7dbl_3", conv(c7, c7, k1x7));
      branch7x7dbl[3] = register("branch7x7dbl_4", conv(c7, c7, k7x1));
      branch7x7dbl[4] = register("branch7x7dbl_5", conv(c7, 192, k1x7));
      branchPool = register("branch_pool", conv(in, 192, ConvSpec.kernel(1)));
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor b7 = x;
      for (BasicConv2d c : branch7x7) {
        b7 = c.forward(b7);
      }
      Tensor bd = x;
      for (BasicConv2d c : branch7x7dbl) {
        bd = c.forward(bd);
      }
      return Tensors.cat(List.of(branch1x1.forward(x), b7, bd, branchPool.forward(avgPool3x3(x))), 1);
    }
  }

  /** Grid reduction 17 -> 8: 1x1-3x3/2, 1x1-1x7-7x1-3x3/2 and max-pool branches. */
  static final class InceptionD extends Layer {
    private final BasicConv2d branch3x3a;
    private final BasicConv2d branch3x3b;
    private final BasicConv2d[] branch7x7x3 = new BasicConv2d[4];

    InceptionD(int in) {
      branch3x3a = register("branch3x3_1", conv(in, 192, ConvSpec.kernel(1)));
      branch3x3b = register("branch3x3_2", conv(192, 320, ConvSpec.kernel(3).stride(2)));
      branch7x7x3[0] = register("branch7x7x3_1", conv(in, 192, ConvSpec.kernel(1)));
      branch7x7x3[1] = register("branch7x7x3_2", conv(192, 192, ConvSpec.kernel(1, 7).padding(0, 3)));
      branch7x7x3[2] = register("branch7x7x3_3", conv(192, 192, ConvSpec.kernel(7, 1).padding(3, 0)));
      branch7x7x3[3] = register("branch7x7x3_4", conv(192, 192, ConvSpec.kernel(3).stride(2)));
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor b3 = branch3x3b.forward(branch3x3a.forward(x));
      Tensor b7 = x;
      for (BasicConv2d c : branch7x7x3) {
        b7 = c.forward(b7);
      }
      return Tensors.cat(List.of(b3, b7, F.maxPool2d(x, 3, 2, 0, false)), 1);
    }
  }

  /** 8x8 module whose 3x3 branches end in parallel 1x3 and 3x1 convolutions (expanded filter bank). */
  static final class InceptionE extends Layer {
    private final BasicConv2d branch1x1;
    private final BasicConv2d branch3x3a;
    private final BasicConv2d branch3x3b1;
    private final BasicConv2d branch3x3b2;
    private final BasicConv2d branch3x3dbl1;
    private final BasicConv2d branch3x3dbl2;
    private final BasicConv2d branch3x3dbl3a;
    private final BasicConv2d branch3x3dbl3b;
    private final BasicConv2d branchPool;

    InceptionE(int in) {
      ConvSpec k1x3 = ConvSpec.kernel(1, 3).padding(0, 1);
      ConvSpec k3x1 = ConvSpec.kernel(3, 1).padding(1, 0);
      branch1x1 = register("branch1x1", conv(in, 320, ConvSpec.kernel(1)));
      branch3x3a = register("branch3x3_1", conv(in, 384, ConvSpec.kernel(1)));
      branch3x3b1 = register("branch3x3_2a", conv(384, 384, k1x3));
      branch3x3b2 = register("branch3x3_2b", conv(384, 384, k3x1));
      branch3x3dbl1 = register("branch3x3dbl_1", conv(in, 448, ConvSpec.kernel(1)));
      branch3x3dbl2 = register("branch3x3dbl_2", conv(448, 384, ConvSpec.kernel(3).padding(1)));
      branch3x3dbl3a = register("branch3x3dbl_3a", conv(384, 384, k1x3));
      branch3x3dbl3b = register("branch3x3dbl_3b", conv(384, 384, k3x1));
      branchPool = register("branch_pool", conv(in, 192, ConvSpec.kernel(1)));
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor b3 = branch3x3a.forward(x);
      b3 = Tensors.cat(List.of(branch3x3b1.forward(b3), branch3x3b2.forward(b3)), 1);
      Tensor bd = branch3x3dbl2.forward(branch3x3dbl1.forward(x));
      bd = Tensors.cat(List.of(branch3x3dbl3a.forward(bd), branch3x3dbl3b.forward(bd)), 1);
      return Tensors.cat(List.of(branch1x1.forward(x), b3, bd, branchPool.forward(avgPool3x3(x))), 1);
    }
  }

  /** The auxiliary classifier: 5x5/3 average pooling, 1x1 (128) and 5x5 (768) convolutions, fc. */
  static final class AuxHead extends Layer {
    private final BasicConv2d conv0;
    private final BasicConv2d conv1;
    private Layer fc;

    AuxHead(int in, int classes) {
      conv0 = register("conv0", conv(in, 128, ConvSpec.kernel(1)));
      conv1 = register("conv1", conv(128, 768, ConvSpec.kernel(5)));
      fc = register("fc", classifier(768, classes, 0.001));
    }

    void resetClassifier(int classes) {
      fc = replace("fc", classifier(768, classes, 0.001));
    }

    @Override
    protected Tensor compute(Tensor x) {
      if (x.dim() != 4 || x.size(2) < 17 || x.size(3) < 17) {
        throw fail("expected the 17x17 grid of a 299x299 image (at least [N, 768, 17, 17]), got "
            + Tensors.describe(x) + "; the auxiliary classifier needs larger input images");
      }
      Tensor y = conv1.forward(conv0.forward(F.avgPool2d(x, 5, 3, 0, false, true)));
      return fc.forward(F.flatten(F.globalAvgPool(y), 1));
    }
  }

  /** The 3x3/1 average pooling (padding counted, as PyTorch's default) of the pool branches. */
  private static Tensor avgPool3x3(Tensor x) {
    return F.avgPool2d(x, 3, 1, 1, false, true);
  }
}
