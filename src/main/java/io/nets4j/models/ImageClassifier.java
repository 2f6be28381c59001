package io.nets4j.models;

import io.nets4j.layers.ClassifierHead.Pooling;
import io.nets4j.nn.AdaptiveAvgPool2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.Dropout;
import io.nets4j.nn.F;
import io.nets4j.nn.Identity;
import io.nets4j.nn.Init;
import io.nets4j.nn.Layer;
import io.nets4j.nn.Linear;
import io.nets4j.nn.MaxPool2d;
import io.nets4j.nn.Module;
import io.nets4j.nn.Sequential;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.bytedeco.pytorch.Tensor;

/**
 * The uniform API of image classification models (after timm): {@code forward(x) =
 * forwardHead(forwardFeatures(x))}, with the classifier replaceable for fine-tuning.
 *
 * <p>A model declares its classifier once, where it builds it: {@link #registerClassifier} for a
 * classifier that is a child of the model ({@code fc}, {@code head}), {@link #addClassifier} for
 * the last layer of a head {@link Sequential} whose other layers stay when the classifier is
 * replaced (torchvision's {@code classifier.6} of VGG). {@link #numFeatures}, {@link #numClasses}
 * and {@link #resetClassifier} then follow from that declaration; {@link #declareHead} states how
 * the features reach it (pooling, dropout) where the head is not a layer of its own.
 *
 * <h2>Feature maps</h2>
 * A convolutional model also declares, where it builds them, the layers that end its stages
 * ({@link #declareFeature}, {@link #declareStageEnds}): {@link #featureInfo} lists their outputs
 * (layer path, channels, reduction, shallowest first; timm's {@code feature_info}) and {@link
 * #forwardFeatureMaps} returns them for dense prediction (segmentation, feature pyramids), as timm's
 * {@code features_only=True, out_indices=...} and torchvision's {@code IntermediateLayerGetter}.
 * The maps are observed ({@link Layer#observe}) while {@link #forwardFeatures} runs, so they are the
 * very tensors the classification path computes and the head is not run. The last declared map is
 * the output of {@link #forwardFeatures} (for DenseNet and CoAtNet: before their final ReLU or norm).
 */
public abstract class ImageClassifier extends Layer {
  /** Builds the classifier: logits for {@code numClasses} from {@code numFeatures} features. */
  @FunctionalInterface
  public interface ClassifierFactory {
    /** The classifier for {@code numClasses} ({@code 0}: a layer that returns the features). */
    Layer create(int numFeatures, int numClasses);

    /** A linear layer with PyTorch's default initialisation, {@link Identity} for no classes. */
    static ClassifierFactory linear() {
      return linear(fc -> {});
    }

    /** A linear layer re-initialised by {@code init}, {@link Identity} for no classes. */
    static ClassifierFactory linear(Consumer<Linear> init) {
      return (features, classes) -> {
        if (classes == 0) {
          return new Identity();
        }
        Linear fc = new Linear(features, classes);
        init.accept(fc);
        return fc;
      };
    }
  }

  private int numFeatures;
  private int numClasses;
  private ClassifierFactory factory;
  private UnaryOperator<Layer> install;
  private Layer classifier;
  private Pooling headPooling;
  private Layer headPool;
  private Layer headDropout;
  private Layer headLayers;
  private final List<FeatureInfo> featureInfo = new ArrayList<>();
  private final List<Layer> featureLayers = new ArrayList<>();

  /** The backbone's output before global pooling, e.g. {@code [N, 2048, 7, 7]} for ResNet-50. */
  public abstract Tensor forwardFeatures(Tensor x);

  /**
   * Pooling (and dropout) and the classifier: logits {@code [N, numClasses]}, or the pooled
   * features {@code [N, numFeatures]} when the model has no classifier ({@code numClasses == 0}).
   * By default the head declared with {@link #declareHead}; a model with another head overrides this.
   */
  public Tensor forwardHead(Tensor features) {
    if (headPooling == null && headPool == null) {
      throw new IllegalStateException(typeName() + " declares no head (declareHead) and does not override forwardHead");
    }
    Tensor pooled = headPool == null ? headPooling.apply(features) : F.flatten(headPool.forward(features), 1);
    if (headDropout != null) {
      pooled = headDropout.forward(pooled);
    }
    return (headLayers == null ? classifier() : headLayers).forward(pooled);
  }

  /**
   * Declares the head {@link #forwardHead} computes (timm's {@code ClassifierHead}): {@code pooling}
   * of the features, then {@code dropout} (a layer the model registered under its reference name,
   * or {@code null}), then the classifier.
   */
  protected final void declareHead(Pooling pooling, Layer dropout) {
    headPooling = pooling;
    headDropout = dropout;
  }

  /**
   * Declares torchvision's head: the registered pooling layer {@code avgpool} (its output
   * flattened), {@code dropout} (or {@code null}), then {@code head}, the registered layers that end
   * in the classifier ({@code null}: the classifier itself).
   */
  protected final void declareHead(Layer avgpool, Layer dropout, Layer head) {
    headPool = avgpool;
    headDropout = dropout;
    headLayers = head;
  }

  /**
   * Registers timm's head: global average pooling, a {@code dropout} layer of {@code dropRate}, then
   * the linear classifier {@code name}.
   */
  protected final void registerDropoutHead(String name, int numFeatures, int numClasses, double dropRate) {
    Dropout dropout = register("dropout", new Dropout(dropRate));
    registerClassifier(name, numFeatures, numClasses, ClassifierFactory.linear());
    declareHead(Pooling.AVERAGE, dropout);
  }

  /**
   * Registers torchvision's head of the MobileNet lineage: the {@code avgpool} layer, then the
   * {@code classifier} of a dropout of {@code dropRate} ({@code classifier.0}) and the linear
   * classifier ({@code classifier.1}) initialised by {@code init}.
   */
  protected final void registerDropoutClassifier(int numFeatures, int numClasses, double dropRate, Consumer<Linear> init) {
    AdaptiveAvgPool2d avgpool = register("avgpool", new AdaptiveAvgPool2d(1, 1));
    Sequential classifier = register("classifier", new Sequential(new Dropout(dropRate)));
    addClassifier(classifier, numFeatures, numClasses, ClassifierFactory.linear(init));
    declareHead(avgpool, null, classifier);
  }

  /**
   * torchvision's and timm's initialisation of the convolutions of a CNN: every {@link Conv2d} below
   * this model gets He normal weights scaled by fan-out ({@code kaiming_normal_(mode="fan_out")}),
   * and a zero bias where it has one and {@code zeroBiases}.
   */
  protected final void initConvolutions(boolean zeroBiases) {
    for (Module m : namedModules().values()) {
      if (m instanceof Conv2d c) {
        Init.kaimingNormalFanOut(c.weight());
        if (zeroBiases && c.bias() != null) {
          Init.zeros(c.bias());
        }
      }
    }
  }

  /** {@code x} through {@code stages} in order: the body of a stage-by-stage {@link #forwardFeatures}. */
  protected static Tensor forwardStages(Tensor x, Layer... stages) {
    Tensor y = x;
    for (Layer stage : stages) {
      y = stage.forward(y);
    }
    return y;
  }

  /**
   * Builds the classifier for {@code numClasses} and registers it as this model's child
   * {@code name}; {@link #resetClassifier} replaces that child in place.
   *
   * @param numFeatures the width of the features that feed the classifier
   * @return the classifier, also available as {@link #classifier()}
   */
  protected final Layer registerClassifier(String name, int numFeatures, int numClasses, ClassifierFactory factory) {
    return declare(numFeatures, numClasses, factory, layer -> register(name, layer), layer -> replace(name, layer));
  }

  /**
   * Builds the classifier for {@code numClasses} and appends it to {@code head}, named by its
   * index; {@link #resetClassifier} replaces only that layer, so the layers before it (hidden
   * layers, normalization) keep their weights.
   */
  protected final Layer addClassifier(Sequential head, int numFeatures, int numClasses, ClassifierFactory factory) {
    return addClassifier(head, Integer.toString(head.size()), numFeatures, numClasses, factory);
  }

  /** As {@link #addClassifier(Sequential, int, int, ClassifierFactory)}, under an explicit name. */
  protected final Layer addClassifier(Sequential head, String name, int numFeatures, int numClasses,
      ClassifierFactory factory) {
    int index = head.size();
    return declare(numFeatures, numClasses, factory, layer -> {
      head.add(name, layer);
      return layer;
    }, layer -> head.replace(index, layer));
  }

  private Layer declare(int features, int classes, ClassifierFactory f, UnaryOperator<Layer> add,
      UnaryOperator<Layer> replace) {
    if (factory != null) {
      throw new IllegalStateException(typeName() + " already has a classifier ('" + classifier.path() + "')");
    }
    numFeatures = features;
    numClasses = classes;
    factory = f;
    install = replace;
    classifier = add.apply(f.create(features, classes));
    return classifier;
  }

  /** The current classifier layer (an {@link Identity} without classes). */
  protected final Layer classifier() {
    declared();
    return classifier;
  }

  private void declared() {
    if (factory == null) {
      throw new IllegalStateException(typeName() + " declares no classifier (registerClassifier or addClassifier)");
    }
  }

  /** The width of the pooled features that feed the classifier. */
  public int numFeatures() {
    declared();
    return numFeatures;
  }

  /** The number of classes, {@code 0} when the model returns features. */
  public int numClasses() {
    declared();
    return numClasses;
  }

  /**
   * Replaces the classifier with a freshly initialised one for {@code numClasses} ({@code 0}:
   * none), at the same place in the state_dict.
   */
  public void resetClassifier(int numClasses) {
    declared();
    classifier = install.apply(factory.create(numFeatures, numClasses));
    this.numClasses = numClasses;
  }

  /**
   * Declares that the output of {@code layer} (a descendant of this model that {@link
   * #forwardFeatures} runs once) is the next feature map: {@code channels} at {@code 1/reduction}
   * of the input. Declare them shallowest first, after {@code layer} is registered.
   */
  protected final void declareFeature(Layer layer, int channels, int reduction) {
    FeatureInfo info = new FeatureInfo(relativePath(layer), channels, reduction);
    if (!featureInfo.isEmpty() && reduction < featureInfo.get(featureInfo.size() - 1).reduction()) {
      throw new IllegalStateException(typeName() + ": feature map '" + info.module() + "' has reduction " + reduction
          + ", less than the previous one's " + featureInfo.get(featureInfo.size() - 1).reduction());
    }
    featureInfo.add(info);
    featureLayers.add(layer);
  }

  /**
   * Declares the stage ends of a sequence of layers: a stage ends at each layer followed by one
   * that reduces the resolution, and at the last layer (timm's rule for VGG and the EfficientNet
   * builder; the last layer closes the last stage as in torchvision's MobileNet extractors).
   *
   * @param strides the stride of each layer of {@code layers}
   * @param channels the output channels of each layer
   */
  protected final void declareStageEnds(Sequential layers, List<Integer> strides, List<Integer> channels) {
    if (strides.size() != layers.size() || channels.size() != layers.size()) {
      throw new IllegalArgumentException(typeName() + ": " + layers.size() + " layers but " + strides.size()
          + " strides and " + channels.size() + " channel counts");
    }
    int reduction = 1;
    for (int i = 0; i < layers.size(); i++) {
      reduction *= strides.get(i);
      if (i == layers.size() - 1 || strides.get(i + 1) > 1) {
        declareFeature(layers.get(i), channels.get(i), reduction);
      }
    }
  }

  /**
   * {@link #declareStageEnds(Sequential, List, List)} for plain layers, whose strides and channels
   * come from their convolutions and max poolings (VGG, AlexNet).
   */
  protected final void declareStageEnds(Sequential plainLayers) {
    List<Integer> strides = new ArrayList<>();
    List<Integer> channels = new ArrayList<>();
    int c = 0;
    for (Layer l : plainLayers.layers()) {
      strides.add(l instanceof Conv2d conv ? conv.spec().strideH() : l instanceof MaxPool2d pool ? pool.stride() : 1);
      c = l instanceof Conv2d conv ? conv.outChannels() : c;
      channels.add(c);
    }
    declareStageEnds(plainLayers, strides, channels);
  }

  private String relativePath(Module layer) {
    List<String> names = new ArrayList<>();
    for (Module m = layer; m != this; m = m.parent()) {
      if (m == null || m.parent() == null) {
        throw new IllegalStateException(typeName() + ": feature layer " + layer + " is not part of the model");
      }
      String path = m.path();
      names.add(0, path.substring(path.lastIndexOf('.') + 1));
    }
    return String.join(".", names);
  }

  /** The feature maps {@link #forwardFeatureMaps} returns, shallowest first; empty for models without any. */
  public final List<FeatureInfo> featureInfo() {
    return List.copyOf(featureInfo);
  }

  /**
   * Resolves feature indices as timm's {@code out_indices}: {@code 0..n-1} of {@link #featureInfo},
   * negative ones counting from the end ({@code -1} is the last); none means all of them.
   *
   * @return the indices from 0, increasing
   * @throws IllegalArgumentException for an index out of range (the message names the valid
   *     range) or indices that are not increasing
   */
  public final int[] featureIndices(int... outIndices) {
    int n = featureInfo.size();
    if (n == 0) {
      throw new IllegalStateException(this + " has no feature maps (it declares no convolutional stages)");
    }
    if (outIndices.length == 0) {
      return IntStream.range(0, n).toArray();
    }
    int[] take = new int[outIndices.length];
    for (int i = 0; i < take.length; i++) {
      int idx = outIndices[i] < 0 ? n + outIndices[i] : outIndices[i];
      if (idx < 0 || idx >= n) {
        throw new IllegalArgumentException(this + ": feature index " + outIndices[i] + " is out of range (0 to "
            + (n - 1) + ", or -" + n + " to -1 from the end)");
      }
      if (i > 0 && idx <= take[i - 1]) {
        throw new IllegalArgumentException(this + ": feature indices must be distinct and increasing, got "
            + Arrays.toString(outIndices));
      }
      take[i] = idx;
    }
    return take;
  }

  /**
   * The feature maps at {@code outIndices} ({@link #featureIndices}; none: all), shallowest first,
   * e.g. {@code [N, 512, H/8, W/8]} and {@code [N, 2048, H/32, W/32]} for ResNet-50 and indices
   * {@code 2, 4}. Runs {@link #forwardFeatures} but not the head.
   */
  public final List<Tensor> forwardFeatureMaps(Tensor x, int... outIndices) {
    int[] take = featureIndices(outIndices);
    Tensor[] maps = new Tensor[take.length];
    Layer.observe((layer, in, out) -> {
      for (int i = 0; i < take.length; i++) {
        if (maps[i] == null && layer == featureLayers.get(take[i])) {
          maps[i] = out;
        }
      }
    }, () -> forwardFeatures(x));
    for (int i = 0; i < take.length; i++) {
      if (maps[i] == null) {
        throw new IllegalStateException(this + ": feature layer '" + featureInfo.get(take[i]).module()
            + "' did not run in forwardFeatures");
      }
    }
    return List.of(maps);
  }

  @Override
  protected Tensor compute(Tensor x) {
    return forwardHead(forwardFeatures(x));
  }
}
