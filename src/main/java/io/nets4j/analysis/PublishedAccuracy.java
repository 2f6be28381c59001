package io.nets4j.analysis;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * ImageNet-1k top-1 accuracies (single crop, validation set) that the reference implementations
 * publish for the weights of registered models, each with where it is published. These are
 * properties of trained weights, not of architectures: a later training recipe moves them by
 * several points (torchvision's {@code IMAGENET1K_V2} ResNet-50 weights reach 80.858 against
 * 76.130), so the table keeps one rule per source, stated in {@link Source#rule()}.
 *
 * <p>A model for which its reference publishes no weights (timm's {@code seresnet101}, the
 * paper-only AlexNet, MobileNet V1 widths below 1.0) has no entry.
 */
final class PublishedAccuracy {
  /** Where the numbers come from. */
  enum Source {
    TORCHVISION("torchvision",
        "the `acc@1` of the weights' metadata in pytorch/vision `torchvision/models/<family>.py`, shown on each "
            + "model's page of the torchvision documentation (https://pytorch.org/vision/stable/models.html)",
        "the first published weights, `IMAGENET1K_V1`, evaluated with their own transforms (crop size noted "
            + "where it differs from the input size here)"),
    TIMM("timm",
        "timm's ImageNet validation results, `results/results-imagenet.csv` in huggingface/pytorch-image-models, "
            + "for the weights named (their model card: huggingface.co/timm/<weights>)",
        "the model's default pretrained tag (the first with weights), on its row at 224 px"),
    SHUFFLENET_SERIES("megvii",
        "the results table of the authors' code, megvii-model/ShuffleNet-Series `ShuffleNetV1/README.md`, "
            + "which gives top-1 error: the accuracy is 100 minus it",
        "the weights released with the authors' code");

    private final String label;
    private final String where;
    private final String rule;

    Source(String label, String where, String rule) {
      this.label = label;
      this.where = where;
      this.rule = rule;
    }

    /** The short name used in the table. */
    String label() {
      return label;
    }

    /** Where the numbers are published. */
    String where() {
      return where;
    }

    /** Which of several published numbers is taken. */
    String rule() {
      return rule;
    }
  }

  /**
   * One published accuracy.
   *
   * @param top1 top-1 accuracy in percent
   * @param source where it is published
   * @param weights the weights it belongs to ({@code ResNet50_Weights.IMAGENET1K_V1}, {@code seresnet50.a1_in1k})
   * @param evalSize the side of the evaluation crop
   */
  record Entry(double top1, Source source, String weights, int evalSize) {}

  private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();

  static {
    tv("alexnet", 56.522, "AlexNet_Weights");
    tv("vgg11", 69.020, "VGG11_Weights");
    tv("vgg11_bn", 70.370, "VGG11_BN_Weights");
    tv("vgg13", 69.928, "VGG13_Weights");
    tv("vgg13_bn", 71.586, "VGG13_BN_Weights");
    tv("vgg16", 71.592, "VGG16_Weights");
    tv("vgg16_bn", 73.360, "VGG16_BN_Weights");
    tv("vgg19", 72.376, "VGG19_Weights");
    tv("vgg19_bn", 74.218, "VGG19_BN_Weights");
    tv("googlenet", 69.778, "GoogLeNet_Weights");
    tv("inception_v3", 77.294, "Inception_V3_Weights", 299);
    tv("resnet18", 69.758, "ResNet18_Weights");
    tv("resnet34", 73.314, "ResNet34_Weights");
    tv("resnet50", 76.130, "ResNet50_Weights");
    tv("resnet101", 77.374, "ResNet101_Weights");
    tv("resnet152", 78.312, "ResNet152_Weights");
    tv("resnext50_32x4d", 77.618, "ResNeXt50_32X4D_Weights");
    tv("resnext101_32x8d", 79.312, "ResNeXt101_32X8D_Weights");
    tv("resnext101_64x4d", 83.246, "ResNeXt101_64X4D_Weights");
    tv("wide_resnet50_2", 78.468, "Wide_ResNet50_2_Weights");
    tv("wide_resnet101_2", 78.848, "Wide_ResNet101_2_Weights");
    tv("densenet121", 74.434, "DenseNet121_Weights");
    tv("densenet161", 77.138, "DenseNet161_Weights");
    tv("densenet169", 75.600, "DenseNet169_Weights");
    tv("densenet201", 76.896, "DenseNet201_Weights");
    tv("mobilenet_v2", 71.878, "MobileNet_V2_Weights");
    tv("mobilenet_v3_large", 74.042, "MobileNet_V3_Large_Weights");
    tv("mobilenet_v3_small", 67.668, "MobileNet_V3_Small_Weights");
    tv("shufflenet_v2_x0_5", 60.552, "ShuffleNet_V2_X0_5_Weights");
    tv("shufflenet_v2_x1_0", 69.362, "ShuffleNet_V2_X1_0_Weights");
    tv("shufflenet_v2_x1_5", 72.996, "ShuffleNet_V2_X1_5_Weights");
    tv("shufflenet_v2_x2_0", 76.230, "ShuffleNet_V2_X2_0_Weights");
    tv("efficientnet_b0", 77.692, "EfficientNet_B0_Weights");
    tv("efficientnet_b1", 78.642, "EfficientNet_B1_Weights", 240);
    tv("efficientnet_b2", 80.608, "EfficientNet_B2_Weights", 288);
    tv("efficientnet_b3", 82.008, "EfficientNet_B3_Weights", 300);
    tv("efficientnet_b4", 83.384, "EfficientNet_B4_Weights", 380);
    tv("efficientnet_b5", 83.444, "EfficientNet_B5_Weights", 456);
    tv("efficientnet_b6", 84.008, "EfficientNet_B6_Weights", 528);
    tv("efficientnet_b7", 84.122, "EfficientNet_B7_Weights", 600);
    tv("efficientnet_v2_s", 84.228, "EfficientNet_V2_S_Weights", 384);
    tv("efficientnet_v2_m", 85.112, "EfficientNet_V2_M_Weights", 480);
    tv("efficientnet_v2_l", 85.808, "EfficientNet_V2_L_Weights", 480);
    tv("convnext_tiny", 82.520, "ConvNeXt_Tiny_Weights");
    tv("convnext_small", 83.616, "ConvNeXt_Small_Weights");
    tv("convnext_base", 84.062, "ConvNeXt_Base_Weights");
    tv("convnext_large", 84.414, "ConvNeXt_Large_Weights");

    timm("mobilenetv1_100", 75.388, "ra4_e3600_r224_in1k");
    timm("mobilenetv1_100h", 75.664, "ra4_e3600_r224_in1k");
    timm("mobilenetv1_125", 76.920, "ra4_e3600_r224_in1k");
    timm("seresnet50", 80.012, "a1_in1k");
    timm("seresnext50_32x4d", 81.268, "racm_in1k");
    timm("seresnext101_32x4d", 80.886, "gluon_in1k");
    timm("legacy_seresnet50", 77.650, "in1k");
    timm("legacy_seresnet101", 78.370, "in1k");
    timm("legacy_seresnet152", 78.662, "in1k");
    timm("legacy_seresnext50_32x4d", 79.080, "in1k");
    timm("legacy_seresnext101_32x4d", 80.274, "in1k");
    timm("legacy_senet154", 81.320, "in1k");

    // the README lists top-1 errors, and no 1.0x network with 1, 2 or 4 groups
    megvii("shufflenet_v1_x1_0_g3", 32.2, "ShuffleNetV1 1.0x (group=3)");
    megvii("shufflenet_v1_x1_0_g8", 32.0, "ShuffleNetV1 1.0x (group=8)");
    megvii("shufflenet_v1_x0_5_g3", 42.7, "ShuffleNetV1 0.5x (group=3)");
    megvii("shufflenet_v1_x0_5_g8", 41.2, "ShuffleNetV1 0.5x (group=8)");
    megvii("shufflenet_v1_x1_5_g3", 28.4, "ShuffleNetV1 1.5x (group=3)");
    megvii("shufflenet_v1_x1_5_g8", 29.0, "ShuffleNetV1 1.5x (group=8)");
    megvii("shufflenet_v1_x2_0_g3", 25.9, "ShuffleNetV1 2.0x (group=3)");
    megvii("shufflenet_v1_x2_0_g8", 27.1, "ShuffleNetV1 2.0x (group=8)");
  }

  private PublishedAccuracy() {}

  private static void tv(String model, double top1, String weightsEnum) {
    tv(model, top1, weightsEnum, 224);
  }

  private static void tv(String model, double top1, String weightsEnum, int crop) {
    ENTRIES.put(model, new Entry(top1, Source.TORCHVISION, weightsEnum + ".IMAGENET1K_V1", crop));
  }

  private static void timm(String model, double top1, String tag) {
    ENTRIES.put(model, new Entry(top1, Source.TIMM, model + "." + tag, 224));
  }

  private static void megvii(String model, double top1Error, String row) {
    // the README gives one decimal; rounding keeps 100 - 32.2 from printing as 67.79999...
    ENTRIES.put(model, new Entry(Math.round((100 - top1Error) * 10) / 10.0, Source.SHUFFLENET_SERIES, row, 224));
  }

  /** The published top-1 of {@code model}'s weights, if its reference publishes one. */
  static Optional<Entry> of(String model) {
    return Optional.ofNullable(ENTRIES.get(model));
  }

  /** The models that have an entry. */
  static Set<String> models() {
    return Collections.unmodifiableSet(ENTRIES.keySet());
  }

  /** The sources, in the order of the table's footnotes. */
  static List<Source> sources() {
    return List.of(Source.values());
  }
}
