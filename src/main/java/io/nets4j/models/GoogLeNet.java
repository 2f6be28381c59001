package io.nets4j.models;

import io.nets4j.nn.AdaptiveAvgPool2d;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Dropout;
import io.nets4j.nn.F;
import io.nets4j.nn.Identity;
import io.nets4j.nn.Init;
import io.nets4j.nn.Layer;
import io.nets4j.nn.LayerException;
import io.nets4j.nn.Linear;
import io.nets4j.nn.MaxPool2d;
import io.nets4j.nn.Module;
import io.nets4j.nn.Sequential;
import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * GoogLeNet, or Inception v1 (Szegedy et al. 2015, "Going Deeper with Convolutions"), in
 * torchvision's structure and parameter names.
 *
 * <p>A stem of convolutions and max pooling, nine Inception modules (3a, 3b, 4a-4e, 5a, 5b), each
 * concatenating a 1x1 branch, a 1x1-3x3 branch, a reduced "5x5" branch and a max-pooled 1x1
 * projection, then global average pooling, dropout 0.2 and a linear classifier. Two auxiliary
 * classifiers, {@code aux1} after 4a and {@code aux2} after 4d, add gradient to the middle of the
 * network during training.
 *
 * <p>As torchvision (whose pretrained weights were ported from TensorFlow):
 * <ul>
 *   <li>every convolution is a {@link BasicConv2d}: convolution without bias, batch norm with
 *       eps 0.001 (the paper predates batch norm), ReLU;
 *   <li>the "5x5" branch ({@code branch3}) uses a 3x3 convolution, a known deviation of
 *       torchvision from the paper (pytorch/vision issue 906) that its weights depend on; we keep
 *       it so that state_dicts exchange;
 *   <li>max pooling rounds the output size up ({@code ceil_mode}); the auxiliary heads pool
 *       adaptively to 4x4;
 *   <li>{@code transformInput} (off by default, as for torchvision without weights) maps
 *       ImageNet-normalised input to the [-1, 1] scaling that the TensorFlow weights expect.
 * </ul>
 *
 * <p>{@link #forward} returns the main logits only, in both modes. Training with the auxiliary
 * classifiers uses {@link #forwardWithAux}, whose {@link Outputs#loss} weights each auxiliary
 * loss by 0.3 as in the paper. With 1000 classes the model has 13,004,888 parameters with the
 * auxiliary classifiers and 6,624,904 without them ({@link #dropAuxClassifiers()}; the size
 * torchvision reports for its pretrained model, which it ships without them).
 */
public final class GoogLeNet extends ImageClassifier {
  /**
   * Options of torchvision's constructor.
   *
   * @param auxLogits whether the two auxiliary classifiers are built
   * @param transformInput whether the input is re-normalised for the TensorFlow-ported weights
   */
  public record Config(boolean auxLogits, boolean transformInput) {
    /** Auxiliary classifiers on, input transform off: torchvision's {@code googlenet()}. */
    public static final Config DEFAULT = new Config(true, false);
  }

  /**
   * The outputs of a forward pass with the auxiliary classifiers.
   *
   * @param logits the main classifier's logits
   * @param aux1 logits of the auxiliary classifier after inception 4a
   * @param aux2 logits of the auxiliary classifier after inception 4d
   */
  public record Outputs(Tensor logits, Tensor aux1, Tensor aux2) {
    /** The weight of each auxiliary loss in the total loss (the paper's 0.3). */
    public static final double AUX_WEIGHT = 0.3;

    /** Cross-entropy of the main logits plus 0.3 times that of each auxiliary classifier. */
    public Tensor loss(Tensor target) {
      Tensor aux = F.crossEntropy(aux1, target).add(F.crossEntropy(aux2, target));
      return F.crossEntropy(logits, target).add(aux.mul(new Scalar(AUX_WEIGHT)));
    }
  }

  private static final String PAPER = "Szegedy et al. 2015, Going Deeper with Convolutions";
  private static final int FEATURES = 1024;
  private static final double BN_EPS = 0.001;

  /** Registers torchvision's {@code googlenet}. */
  static void register(Models.Registrar r) {
    r.add("googlenet", "GoogLeNet", "torchvision", 224, PAPER,
        options -> new GoogLeNet(Config.DEFAULT, options));
  }

  private final boolean transformInput;
  private final BasicConv2d conv1;
  private final MaxPool2d maxpool1;
  private final BasicConv2d conv2;
  private final BasicConv2d conv3;
  private final MaxPool2d maxpool2;
  private final Inception inception3a;
  private final Inception inception3b;
  private final MaxPool2d maxpool3;
  private final Inception inception4a;
  private final Inception inception4b;
  private final Inception inception4c;
  private final Inception inception4d;
  private final Inception inception4e;
  private final MaxPool2d maxpool4;
  private final Inception inception5a;
  private final Inception inception5b;
  private AuxHead aux1;
  private AuxHead aux2;

  public GoogLeNet(Config config, ModelOptions options) {
    if (config.transformInput && options.inChannels() != 3) {
      throw new IllegalArgumentException("transformInput re-normalises RGB input; it needs 3 input channels, got "
          + options.inChannels());
    }
    transformInput = config.transformInput;
    int numClasses = options.numClasses();
    conv1 = register("conv1", new BasicConv2d(options.inChannels(), 64, ConvSpec.kernel(7).stride(2).padding(3)));
    maxpool1 = register("maxpool1", new MaxPool2d(3, 2, 0, true));
    conv2 = register("conv2", new BasicConv2d(64, 64, ConvSpec.kernel(1)));
    conv3 = register("conv3", new BasicConv2d(64, 192, ConvSpec.kernel(3).padding(1)));
    maxpool2 = register("maxpool2", new MaxPool2d(3, 2, 0, true));
    inception3a = register("inception3a", new Inception(192, 64, 96, 128, 16, 32, 32));
    inception3b = register("inception3b", new Inception(256, 128, 128, 192, 32, 96, 64));
    maxpool3 = register("maxpool3", new MaxPool2d(3, 2, 0, true));
    inception4a = register("inception4a", new Inception(480, 192, 96, 208, 16, 48, 64));
    inception4b = register("inception4b", new Inception(512, 160, 112, 224, 24, 64, 64));
    inception4c = register("inception4c", new Inception(512, 128, 128, 256, 24, 64, 64));
    inception4d = register("inception4d", new Inception(512, 112, 144, 288, 32, 64, 64));
    inception4e = register("inception4e", new Inception(528, 256, 160, 320, 32, 128, 128));
    maxpool4 = register("maxpool4", new MaxPool2d(2, 2, 0, true));
    inception5a = register("inception5a", new Inception(832, 256, 160, 320, 32, 128, 128));
    inception5b = register("inception5b", new Inception(832, 384, 192, 384, 48, 128, 128));
    // feature maps: the last layer before each max pooling (strides 2, 4, 8, 16) and inception5b (32)
    declareFeature(conv1, 64, 2);
    declareFeature(conv3, 192, 4);
    declareFeature(inception3b, 480, 8);
    declareFeature(inception4e, 832, 16);
    declareFeature(inception5b, FEATURES, 32);
    if (config.auxLogits) {
      aux1 = register("aux1", new AuxHead(512, numClasses));
      aux2 = register("aux2", new AuxHead(528, numClasses));
    }
    AdaptiveAvgPool2d avgpool = register("avgpool", new AdaptiveAvgPool2d(1, 1));
    Dropout dropout = register("dropout", new Dropout(options.dropRateOr(0.2)));
    registerClassifier("fc", FEATURES, numClasses, GoogLeNet::classifier);
    declareHead(avgpool, dropout, null);
    for (Module m : namedModules().values()) {
      if (m instanceof Conv2d c) {
        truncNormal(c.weight());
      } else if (m instanceof Linear l) {
        truncNormal(l.weight());
      }
    }
  }

  /** torchvision's init: N(0, 0.01) truncated to [-2, 2] (absolute bounds, so in effect untruncated). */
  private static void truncNormal(Tensor w) {
    Init.truncNormal(w, 0.01, -2, 2);
  }

  private static Layer classifier(int in, int classes) {
    if (classes == 0) {
      return new Identity();
    }
    Linear l = new Linear(in, classes);
    truncNormal(l.weight());
    return l;
  }

  /** Whether the auxiliary classifiers are present. */
  public boolean hasAuxClassifiers() {
    return aux1 != null;
  }

  /**
   * Removes the auxiliary classifiers (inference, or loading torchvision's pretrained weights,
   * which do not include them). Their parameters leave the state_dict.
   */
  public void dropAuxClassifiers() {
    if (aux1 != null) {
      replace("aux1", new Identity());
      replace("aux2", new Identity());
      aux1 = null;
      aux2 = null;
    }
  }

  private Tensor transform(Tensor x) {
    return transformInput ? tensorflowScaling(this, x) : x;
  }

  /**
   * torchvision's {@code transform_input} for the TensorFlow-ported GoogLeNet and Inception v3
   * weights: ImageNet-normalised RGB ({@code (x - mean) / std}) to the [-1, 1] scaling
   * ({@code (x - 0.5) / 0.5}) they were trained with, i.e. {@code x * std / 0.5 + (mean - 0.5) / 0.5}.
   */
  static Tensor tensorflowScaling(Layer model, Tensor x) {
    if (x.dim() != 4 || x.size(1) != 3) {
      throw new LayerException(model, "transformInput expects RGB input of shape [N, 3, H, W], got "
          + Tensors.describe(x));
    }
    double[] mean = {0.485, 0.456, 0.406};
    double[] std = {0.229, 0.224, 0.225};
    Tensor[] channels = new Tensor[3];
    for (int c = 0; c < 3; c++) {
      channels[c] = x.narrow(1, c, 1).mul(new Scalar(std[c] / 0.5)).add(new Scalar((mean[c] - 0.5) / 0.5));
    }
    return Tensors.cat(List.of(channels), 1);
  }

  /** Stem, 3a, 3b and 4a: the 14x14x512 maps that also feed aux1. */
  private Tensor through4a(Tensor x) {
    Tensor y = maxpool1.forward(conv1.forward(transform(x)));
    y = maxpool2.forward(conv3.forward(conv2.forward(y)));
    y = maxpool3.forward(inception3b.forward(inception3a.forward(y)));
    return inception4a.forward(y);
  }

  /** 4b, 4c and 4d: the 14x14x528 maps that also feed aux2. */
  private Tensor through4d(Tensor x4a) {
    return inception4d.forward(inception4c.forward(inception4b.forward(x4a)));
  }

  private Tensor after4d(Tensor x4d) {
    Tensor y = maxpool4.forward(inception4e.forward(x4d));
    return inception5b.forward(inception5a.forward(y));
  }

  @Override
  public Tensor forwardFeatures(Tensor x) {
    return after4d(through4d(through4a(x)));
  }

  /**
   * The forward pass with the auxiliary classifiers, for training: main and auxiliary logits
   * (with dropout in training mode, 0.7 in the auxiliary heads).
   *
   * @throws IllegalStateException if the auxiliary classifiers were removed
   */
  public Outputs forwardWithAux(Tensor x) {
    if (aux1 == null) {
      throw new IllegalStateException("this GoogLeNet has no auxiliary classifiers");
    }
    Tensor x4a = through4a(x);
    Tensor a1 = aux1.forward(x4a);
    Tensor x4d = through4d(x4a);
    Tensor a2 = aux2.forward(x4d);
    Tensor features = after4d(x4d);
    return new Outputs(forwardHead(features), a1, a2);
  }

  /** Replaces the main classifier, and the auxiliary ones so that they predict the same classes. */
  @Override
  public void resetClassifier(int classes) {
    super.resetClassifier(classes);
    if (aux1 != null) {
      aux1.resetClassifier(classes);
      aux2.resetClassifier(classes);
    }
  }

  /**
   * Convolution (no bias), batch norm (eps 0.001) and ReLU, named {@code conv} and {@code bn} as
   * torchvision's {@code BasicConv2d}. Also the building block of {@link InceptionV3}.
   */
  static final class BasicConv2d extends Layer {
    private final Conv2d conv;
    private final BatchNorm2d bn;

    BasicConv2d(int in, int out, ConvSpec spec) {
      conv = register("conv", new Conv2d(in, out, spec.noBias()));
      bn = register("bn", new BatchNorm2d(out, BN_EPS, BatchNorm2d.DEFAULT_MOMENTUM));
    }

    @Override
    protected Tensor compute(Tensor x) {
      return F.relu(bn.forward(conv.forward(x)));
    }
  }

  /** The Inception module: four parallel branches concatenated along the channels. */
  static final class Inception extends Layer {
    private final BasicConv2d branch1;
    private final Sequential branch2;
    private final Sequential branch3;
    private final Sequential branch4;

    Inception(int in, int ch1x1, int ch3x3red, int ch3x3, int ch5x5red, int ch5x5, int poolProj) {
      branch1 = register("branch1", new BasicConv2d(in, ch1x1, ConvSpec.kernel(1)));
      branch2 = register("branch2", new Sequential(
          new BasicConv2d(in, ch3x3red, ConvSpec.kernel(1)),
          new BasicConv2d(ch3x3red, ch3x3, ConvSpec.kernel(3).padding(1))));
      // torchvision's 3x3 in place of the paper's 5x5 (see the class comment)
      branch3 = register("branch3", new Sequential(
          new BasicConv2d(in, ch5x5red, ConvSpec.kernel(1)),
          new BasicConv2d(ch5x5red, ch5x5, ConvSpec.kernel(3).padding(1))));
      branch4 = register("branch4", new Sequential(
          new MaxPool2d(3, 1, 1, true),
          new BasicConv2d(in, poolProj, ConvSpec.kernel(1))));
    }

    @Override
    protected Tensor compute(Tensor x) {
      return Tensors.cat(List.of(branch1.forward(x), branch2.forward(x), branch3.forward(x), branch4.forward(x)), 1);
    }
  }

  /**
   * An auxiliary classifier: adaptive 4x4 average pooling, a 128-channel 1x1 convolution,
   * fc1 (2048 -> 1024) with ReLU, dropout 0.7 and fc2.
   */
  static final class AuxHead extends Layer {
    private final BasicConv2d conv;
    private final Linear fc1;
    private Layer fc2;

    AuxHead(int in, int classes) {
      conv = register("conv", new BasicConv2d(in, 128, ConvSpec.kernel(1)));
      fc1 = register("fc1", new Linear(2048, 1024));
      fc2 = register("fc2", classifier(1024, classes));
    }

    void resetClassifier(int classes) {
      fc2 = replace("fc2", classifier(1024, classes));
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor y = F.flatten(conv.forward(F.adaptiveAvgPool2d(x, 4, 4)), 1);
      y = F.dropout(F.relu(fc1.forward(y)), 0.7, isTraining());
      return fc2.forward(y);
    }
  }
}
