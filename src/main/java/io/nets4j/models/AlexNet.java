package io.nets4j.models;

import io.nets4j.nn.Activation;
import io.nets4j.nn.AdaptiveAvgPool2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Dropout;
import io.nets4j.nn.F;
import io.nets4j.nn.Init;
import io.nets4j.nn.LayerException;
import io.nets4j.nn.Linear;
import io.nets4j.nn.LocalResponseNorm;
import io.nets4j.nn.MaxPool2d;
import io.nets4j.nn.Module;
import io.nets4j.nn.Sequential;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * AlexNet (Krizhevsky, Sutskever and Hinton 2012, "ImageNet Classification with Deep
 * Convolutional Neural Networks"): five convolutions with overlapping 3x3/2 max pooling, then
 * three fully connected layers with dropout.
 *
 * <p>Two variants:
 * <ul>
 *   <li>{@code alexnet}: torchvision's model, the single-tower version of Krizhevsky 2014 ("One
 *       weird trick for parallelizing convolutional neural networks"): 64-192-384-256-256
 *       channels, no local response normalization, no grouped convolutions, an adaptive 6x6
 *       average pooling before the classifier and dropout on the inputs of the first two fully
 *       connected layers. 61,100,840 parameters; state_dict names as torchvision
 *       ({@code features.0.weight ... classifier.6.bias}).
 *   <li>{@code alexnet_paper}: the network of the 2012 paper, described below. 60,965,224
 *       parameters (the paper's "60 million"). Its names follow the same layout
 *       ({@code features.N}, {@code classifier.N}, with the normalization layers in
 *       {@code features}); torchvision has no such model, so there are no published weights in
 *       this layout.
 * </ul>
 *
 * <h2>The 2012 network ({@code alexnet_paper})</h2>
 * <ul>
 *   <li>96 11x11/4, 256 5x5, 384 3x3, 384 3x3 and 256 3x3 convolutions, each followed by ReLU.
 *   <li>Local response normalization after the ReLUs of the first two convolutions (size 5,
 *       alpha 1e-4, beta 0.75, k 2), then 3x3/2 max pooling, which also follows the fifth
 *       convolution. The paper's formula sums the squares with {@code alpha}; Krizhevsky's
 *       cuda-convnet code divides {@code alpha} by the window size, and that is what
 *       {@link LocalResponseNorm} (PyTorch's convention) computes with {@code alpha = 1e-4}.
 *   <li>The two GPUs. Each GPU holds half of the kernels of every layer; the kernels of conv2,
 *       conv4 and conv5 only see the maps of their own GPU, which is a grouped convolution with
 *       two groups, while conv3 and the fully connected layers take inputs from both GPUs. Our
 *       reading of the paper's Figure 2: it draws each fully connected layer as two 2048-unit
 *       halves, one per GPU, but the lines into every dense half come from both GPUs, and section
 *       3.5 states that "the neurons in the fully-connected layers are connected to all neurons
 *       in the previous layer". A dense layer split across two GPUs with all-to-all inputs is
 *       one 4096-unit layer, so {@code fc6}, {@code fc7} and {@code fc8} are ordinary linear
 *       layers here (only the placement of the computation was split, not the function).
 *   <li>Dropout 0.5 in the first two fully connected layers (on their outputs, after the ReLU).
 *   <li>Input 224x224 with 2 pixels of zero padding in conv1. The paper says 224x224, but an
 *       11x11/4 convolution without padding maps 224 to 54, not to the 55x55 maps of its figure;
 *       227x227 without padding gives 55, and so does 224 with padding 2 (floor(217 / 4) + 1),
 *       which we use, as torchvision does. The 6x6x256 maps after the last pooling feed
 *       {@code fc6} directly (no adaptive pooling), so the input must give 6x6 maps there:
 *       224x224 does, and so does 227x227 (the size often quoted for the original code).
 *   <li>Initialisation as the paper: weights N(0, 0.01); biases 1 in conv2, conv4, conv5 and the
 *       hidden fully connected layers, 0 elsewhere.
 * </ul>
 */
public final class AlexNet extends ImageClassifier {
  /** The two variants. */
  public enum Variant {
    /** torchvision's {@code alexnet}. */
    TORCHVISION,
    /** The 2012 paper's network, with local response normalization and two-GPU groups. */
    PAPER
  }

  private static final String PAPER = "Krizhevsky et al. 2012, ImageNet Classification with Deep Convolutional Neural Networks";
  private static final int FEATURE_CHANNELS = 256;
  private static final int FEATURE_SIZE = 6;
  private static final int HIDDEN = 4096;

  /** Registers {@code alexnet} (torchvision) and {@code alexnet_paper}. */
  static void register(Models.Registrar r) {
    r.add("alexnet", "AlexNet", "torchvision", 224,
        "Krizhevsky 2014, One weird trick for parallelizing convolutional neural networks",
        options -> new AlexNet(Variant.TORCHVISION, options));
    r.add("alexnet_paper", "AlexNet", "paper", 224, PAPER,
        options -> new AlexNet(Variant.PAPER, options));
  }

  private final Variant variant;
  private final Sequential features;
  private final AdaptiveAvgPool2d avgpool;
  private final Sequential classifier;

  public AlexNet(Variant variant, ModelOptions options) {
    this.variant = variant;
    double drop = options.dropRateOr(0.5);
    int flat = FEATURE_CHANNELS * FEATURE_SIZE * FEATURE_SIZE;
    if (variant == Variant.TORCHVISION) {
      features = register("features", torchvisionFeatures(options.inChannels()));
      avgpool = register("avgpool", new AdaptiveAvgPool2d(FEATURE_SIZE, FEATURE_SIZE));
      classifier = register("classifier", new Sequential(
          new Dropout(drop), new Linear(flat, HIDDEN), Activation.relu(),
          new Dropout(drop), new Linear(HIDDEN, HIDDEN), Activation.relu()));
    } else {
      features = register("features", paperFeatures(options.inChannels()));
      avgpool = null;
      classifier = register("classifier", new Sequential(
          new Linear(flat, HIDDEN), Activation.relu(), new Dropout(drop),
          new Linear(HIDDEN, HIDDEN), Activation.relu(), new Dropout(drop)));
    }
    // feature maps: the layer before each max pooling (strides 4, 8, 16) and the last pooling (32)
    declareStageEnds(features);
    // the class projection classifier.6: replaced for fine-tuning, the hidden layers fc6 and fc7 are
    // kept, so numClasses == 0 gives the 4096 "fc7 features"
    addClassifier(classifier, HIDDEN, options.numClasses(), ClassifierFactory.linear(fc -> {
      if (variant == Variant.PAPER) {
        Init.normal(fc.weight(), 0, 0.01);
        Init.zeros(fc.bias());
      }
    }));
    if (variant == Variant.PAPER) {
      initLikePaper();
    }
  }

  private static Sequential torchvisionFeatures(int in) {
    return new Sequential(
        new Conv2d(in, 64, ConvSpec.kernel(11).stride(4).padding(2)), Activation.relu(),
        new MaxPool2d(3, 2, 0),
        new Conv2d(64, 192, ConvSpec.kernel(5).padding(2)), Activation.relu(),
        new MaxPool2d(3, 2, 0),
        new Conv2d(192, 384, ConvSpec.kernel(3).padding(1)), Activation.relu(),
        new Conv2d(384, 256, ConvSpec.kernel(3).padding(1)), Activation.relu(),
        new Conv2d(256, 256, ConvSpec.kernel(3).padding(1)), Activation.relu(),
        new MaxPool2d(3, 2, 0));
  }

  private static Sequential paperFeatures(int in) {
    return new Sequential(
        new Conv2d(in, 96, ConvSpec.kernel(11).stride(4).padding(2)), Activation.relu(), paperLrn(),
        new MaxPool2d(3, 2, 0),
        new Conv2d(96, 256, ConvSpec.kernel(5).padding(2).groups(2)), Activation.relu(), paperLrn(),
        new MaxPool2d(3, 2, 0),
        new Conv2d(256, 384, ConvSpec.kernel(3).padding(1)), Activation.relu(),
        new Conv2d(384, 384, ConvSpec.kernel(3).padding(1).groups(2)), Activation.relu(),
        new Conv2d(384, 256, ConvSpec.kernel(3).padding(1).groups(2)), Activation.relu(),
        new MaxPool2d(3, 2, 0));
  }

  private static LocalResponseNorm paperLrn() {
    return new LocalResponseNorm(5, 1e-4, 0.75, 2.0);
  }

  /** N(0, 0.01) weights; bias 1 in conv2, conv4, conv5, fc6 and fc7 (section 5), 0 elsewhere. */
  private void initLikePaper() {
    List<Module> weighted = new ArrayList<>();
    for (Module m : namedModules().values()) {
      if (m instanceof Conv2d || m instanceof Linear) {
        weighted.add(m);
      }
    }
    // weighted = conv1..conv5, fc6, fc7, fc8 (the last one only when the model has a classifier)
    for (int i = 0; i < weighted.size(); i++) {
      Module m = weighted.get(i);
      Tensor w = m instanceof Conv2d c ? c.weight() : ((Linear) m).weight();
      Tensor b = m instanceof Conv2d c ? c.bias() : ((Linear) m).bias();
      Init.normal(w, 0, 0.01);
      boolean biasOne = i == 1 || i == 3 || i == 4 || i == 5 || i == 6;
      Init.constant(b, biasOne ? 1 : 0);
    }
  }

  public Variant variant() {
    return variant;
  }

  @Override
  public Tensor forwardFeatures(Tensor x) {
    return features.forward(x);
  }

  @Override
  public Tensor forwardHead(Tensor x) {
    Tensor y = x;
    if (avgpool != null) {
      y = avgpool.forward(y);
    } else if (y.dim() != 4 || y.size(1) != FEATURE_CHANNELS || y.size(2) != FEATURE_SIZE
        || y.size(3) != FEATURE_SIZE) {
      throw new LayerException(classifier, "expected features of shape [N, 256, 6, 6] "
          + "(the 2012 network takes 224x224 images), got " + Tensors.describe(y));
    }
    return classifier.forward(F.flatten(y, 1));
  }

}
