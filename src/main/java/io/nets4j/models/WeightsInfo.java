package io.nets4j.models;

import io.nets4j.data.ImageClassificationTransforms;
import java.util.List;
import java.util.Optional;

/**
 * One published set of weights for a registered classifier, as its reference implementation
 * describes it: torchvision's {@code Weights} enums ({@code ResNet50_Weights.IMAGENET1K_V2}: url,
 * {@code transforms}, {@code meta}) or timm's pretrained configurations ({@code seresnet50.a1_in1k}:
 * {@code default_cfgs} and timm's ImageNet results). nets4j never downloads: {@link #url()} is where
 * the user fetches the file from.
 *
 * @param model the registry name ({@code resnet50})
 * @param name the reference's name of the weights: torchvision's enum member ({@code IMAGENET1K_V2})
 *     or timm's pretrained tag ({@code seresnet50.a1_in1k})
 * @param reference who publishes them ({@code torchvision}, {@code timm})
 * @param referenceName the fully qualified name there ({@code ResNet50_Weights.IMAGENET1K_V2})
 * @param isDefault whether these are the reference's default weights for the model
 *     (torchvision's {@code DEFAULT} alias, timm's default tag)
 * @param url where the file is published
 * @param sha256Prefix the leading hex digits of the file's SHA-256 that end its file name
 *     (torch.hub's convention); empty where none is published (Hugging Face Hub files)
 * @param transforms the evaluation preprocessing the weights expect
 * @param numClasses the number of outputs of the classifier
 * @param categories the class names by output index; empty where the reference lists none
 * @param accuracy the published ImageNet-1k validation accuracy with {@code transforms}
 * @param parameters the parameter count the reference publishes
 * @param source where these facts were read (version and file)
 */
public record WeightsInfo(String model, String name, String reference, String referenceName, boolean isDefault,
    String url, Optional<String> sha256Prefix, ImageClassificationTransforms transforms, int numClasses,
    List<String> categories, Optional<Accuracy> accuracy, Optional<ParameterCount> parameters, String source) {

  /**
   * ImageNet-1k validation accuracy, single centre crop.
   *
   * @param top1 top-1 accuracy in percent (torchvision's {@code acc@1})
   * @param top5 top-5 accuracy in percent
   */
  public record Accuracy(double top1, double top5) {}

  /**
   * A published parameter count, exact or rounded: the count is {@code value * unit}, rounded to
   * the nearest multiple of {@code unit} (torchvision's {@code num_params} is exact, unit 1; timm
   * publishes millions with two decimals, unit 10,000).
   *
   * @param value the count in units
   * @param unit the precision of the published number
   */
  public record ParameterCount(long value, long unit) {
    public ParameterCount {
      if (value < 1 || unit < 1) {
        throw new IllegalArgumentException("parameter count and unit must be positive, got " + value + " x " + unit);
      }
    }

    /** The count as published, in parameters. */
    public long approximate() {
      return value * unit;
    }

    /** Whether an exact count rounds to the published one. */
    public boolean matches(long exact) {
      return 2 * Math.abs(exact - value * unit) <= unit;
    }

    /** {@code 25,557,032} when exact, {@code 28.09 M} when published in millions. */
    @Override
    public String toString() {
      if (unit == 1) {
        return String.format(java.util.Locale.ROOT, "%,d", value);
      }
      int decimals = Math.max(0, 6 - (int) Math.round(Math.log10(unit)));
      return String.format(java.util.Locale.ROOT, "%." + decimals + "f M", approximate() / 1e6);
    }
  }

  public WeightsInfo {
    categories = List.copyOf(categories);
    if (!categories.isEmpty() && categories.size() != numClasses) {
      throw new IllegalArgumentException(model + " " + name + ": " + categories.size() + " category names for "
          + numClasses + " classes");
    }
  }
}
