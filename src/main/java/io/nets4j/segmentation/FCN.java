package io.nets4j.segmentation;

import io.nets4j.models.ImageClassifier;
import io.nets4j.models.FeatureInfo;
import io.nets4j.models.ModelOptions;
import io.nets4j.models.ResNet;
import io.nets4j.nn.Activation;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Dropout;
import io.nets4j.nn.F;
import io.nets4j.nn.Sequential;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * torchvision's fully convolutional networks on a dilated ResNet backbone (the architecture of
 * Long et al. 2015, "Fully Convolutional Networks for Semantic Segmentation", on the ResNet of He
 * et al. 2016 as torchvision builds it), in torchvision's structure and parameter names.
 *
 * <p>The backbone ({@code backbone.*}: the ResNet without its pooling and classifier) replaces the
 * strides of {@code layer3} and {@code layer4} by dilation 2 and 4, so that its output has stride 8.
 * The head {@code classifier} (3x3 convolution to a quarter of the channels, batch norm, ReLU,
 * dropout 0.1, 1x1 convolution to the classes) scores each position; the scores are bilinearly
 * resized to the input ({@code align_corners=False}). With {@code auxLoss} a second head
 * {@code aux_classifier} scores {@code layer3}, for the auxiliary training loss.
 *
 * <p>{@link #FCN(ImageClassifier, SegmentationOptions)} puts the same heads on any backbone with
 * feature maps ({@link ImageClassifier#featureInfo}): the main head on its last map, the auxiliary
 * one on the map before it (for the dilated ResNet, {@code layer4} and {@code layer3}).
 */
public final class FCN extends SegmentationModel {
  private static final boolean[] DILATE_LAYER3_LAYER4 = {false, true, true};
  private static final String PAPER = "Long et al. 2015, Fully Convolutional Networks for Semantic Segmentation";

  /** Registers torchvision's fcn_resnet50 and fcn_resnet101. */
  static void register(SegmentationModels.Registrar r) {
    variant(r, "fcn_resnet50", new int[] {3, 4, 6, 3});
    variant(r, "fcn_resnet101", new int[] {3, 4, 23, 3});
  }

  private static void variant(SegmentationModels.Registrar r, String name, int[] depths) {
    ResNet.Config backbone = new ResNet.Config(ResNet.Block.BOTTLENECK, depths, 1, 64);
    r.add(name, "FCN", "torchvision", 520, PAPER, options -> new FCN(backbone, options));
  }

  private final ImageClassifier backbone;
  private final int[] taps;
  private final Sequential classifier;
  private final Sequential auxClassifier;

  /** torchvision's FCN on the ResNet of {@code backboneConfig}, dilated to stride 8. */
  public FCN(ResNet.Config backboneConfig, SegmentationOptions options) {
    this(new ResNet(backboneConfig, ModelOptions.defaults().featuresOnly().withInChannels(options.inChannels()),
        DILATE_LAYER3_LAYER4), options);
  }

  /**
   * An FCN on {@code backbone}'s last feature map (and, with {@code auxLoss}, the one before it),
   * e.g. {@code Models.create("mobilenet_v3_large", ModelOptions.defaults().featuresOnly())}; the
   * backbone takes {@code options.inChannels()} channels and its head is not run.
   */
  public FCN(ImageClassifier backbone, SegmentationOptions options) {
    super(options);
    if (options.width() != 1) {
      throw new IllegalArgumentException("torchvision FCN has a fixed width, got width " + options.width());
    }
    if (options.batchNorm()) {
      throw new IllegalArgumentException("torchvision FCN's backbone has batch norm already; the batchNorm "
          + "option adds it to the VGG-16 FCNs");
    }
    int numClasses = options.numClasses();
    this.backbone = register("backbone", backbone);
    taps = options.auxLoss() ? backbone.featureIndices(-2, -1) : backbone.featureIndices(-1);
    List<FeatureInfo> info = backbone.featureInfo();
    classifier = register("classifier", head(info.get(taps[taps.length - 1]).channels(), numClasses));
    auxClassifier = options.auxLoss() ? register("aux_classifier", head(info.get(taps[0]).channels(), numClasses)) : null;
  }

  /** torchvision's FCNHead: {@code 0} conv 3x3, {@code 1} bn, {@code 2} relu, {@code 3} dropout, {@code 4} conv 1x1. */
  private static Sequential head(int in, int classes) {
    int inter = in / 4;
    return new Sequential(
        new Conv2d(in, inter, ConvSpec.kernel(3).padding(1).noBias()),
        new BatchNorm2d(inter),
        Activation.relu(),
        new Dropout(0.1),
        new Conv2d(inter, classes, ConvSpec.kernel(1)));
  }

  @Override
  public Map<String, Tensor> forwardOutputs(Tensor x) {
    checkInput(x);
    int h = (int) x.size(2);
    int w = (int) x.size(3);
    List<Tensor> maps = backbone.forwardFeatureMaps(x, taps);
    Map<String, Tensor> out = new LinkedHashMap<>();
    out.put(OUT, F.interpolate(classifier.forward(maps.get(maps.size() - 1)), h, w, "bilinear", false));
    if (auxClassifier != null) {
      out.put(AUX, F.interpolate(auxClassifier.forward(maps.get(0)), h, w, "bilinear", false));
    }
    return out;
  }

  public ImageClassifier backbone() {
    return backbone;
  }
}
