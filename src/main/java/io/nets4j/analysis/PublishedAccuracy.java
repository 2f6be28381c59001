package io.nets4j.analysis;

import io.nets4j.models.Weights;
import io.nets4j.models.WeightsInfo;
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
 * <p>torchvision's and timm's numbers are those of the weights registry ({@link Weights}); only
 * each source's rule of which weights to take lives here. A model for which its reference
 * publishes no weights (timm's {@code seresnet101}, the paper-only AlexNet, MobileNet V1 widths
 * below 1.0) has no entry.
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
    torchvision("alexnet", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
        "googlenet", "inception_v3", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
        "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2",
        "densenet121", "densenet161", "densenet169", "densenet201", "mobilenet_v2", "mobilenet_v3_large",
        "mobilenet_v3_small", "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5",
        "shufflenet_v2_x2_0", "efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3",
        "efficientnet_b4", "efficientnet_b5", "efficientnet_b6", "efficientnet_b7", "efficientnet_v2_s",
        "efficientnet_v2_m", "efficientnet_v2_l", "convnext_tiny", "convnext_small", "convnext_base",
        "convnext_large");
    timm("mobilenetv1_100", "mobilenetv1_100h", "mobilenetv1_125", "seresnet50", "seresnext50_32x4d",
        "seresnext101_32x4d", "legacy_seresnet50", "legacy_seresnet101", "legacy_seresnet152",
        "legacy_seresnext50_32x4d", "legacy_seresnext101_32x4d", "legacy_senet154");

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

  /** The {@code IMAGENET1K_V1} weights of each model, from {@link Weights}. */
  private static void torchvision(String... models) {
    for (String model : models) {
      put(Weights.of(model, "IMAGENET1K_V1"), Source.TORCHVISION);
    }
  }

  /** The default tag of each model, from {@link Weights}. */
  private static void timm(String... models) {
    for (String model : models) {
      put(Weights.of(model, Weights.DEFAULT), Source.TIMM);
    }
  }

  private static void put(WeightsInfo w, Source source) {
    WeightsInfo.Accuracy a = w.accuracy()
        .orElseThrow(() -> new IllegalStateException(w.referenceName() + " has no published accuracy"));
    ENTRIES.put(w.model(), new Entry(a.top1(), source, w.referenceName(), w.transforms().cropSize()));
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
