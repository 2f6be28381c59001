package io.nets4j.cli;

import io.nets4j.data.ImageClassificationTransforms;
import io.nets4j.models.Models;
import io.nets4j.models.Weights;
import io.nets4j.models.WeightsInfo;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The published weights of a model as {@code list} and {@code summary} print them: a compact list of
 * names, the full table of one model, and a few lines for a summary.
 */
final class PublishedWeights {
  /** What {@link #names} prints for a model without published weights. */
  static final String NONE = "-";

  private static final String TABLE = "%-44s %6s %4s %-8s %-20s %-20s %7s %7s %14s %7s %-10s %s%n";

  private PublishedWeights() {}

  /**
   * {@code IMAGENET1K_V1,IMAGENET1K_V2*}: the weight names, the default marked with {@code *}; timm's
   * tags without the model name that starts each of them ({@code a1_in1k*,a2_in1k} for
   * {@code seresnet50.a1_in1k}, ...), which keeps the column narrow.
   */
  static String names(String model) {
    List<WeightsInfo> all = Weights.forModel(model);
    String prefix = model + ".";
    return all.isEmpty() ? NONE : all.stream()
        .map(w -> (w.name().startsWith(prefix) ? w.name().substring(prefix.length()) : w.name())
            + (w.isDefault() ? "*" : ""))
        .collect(Collectors.joining(","));
  }

  /** Every published weight of {@code model} with its preprocessing, accuracy, size and URL. */
  static String table(String model) {
    List<WeightsInfo> all = Weights.forModel(model);
    StringBuilder out = new StringBuilder();
    if (all.isEmpty()) {
      return out.append(model).append(": no published weights (reference: ").append(Models.info(model).reference())
          .append(")\n").toString();
    }
    WeightsInfo first = all.get(0);
    out.append(String.format(Locale.ROOT, "%s: %d published weights (%s; %s = %s)%n", model, all.size(),
        first.source(), Weights.DEFAULT, Weights.defaultFor(model).map(WeightsInfo::name).orElse(NONE)));
    out.append(String.format(Locale.ROOT, TABLE, "weights", "resize", "crop", "interp", "mean", "std", "top-1",
        "top-5", "parameters", "classes", "sha256", "url"));
    for (WeightsInfo w : all) {
      ImageClassificationTransforms t = w.transforms();
      out.append(String.format(Locale.ROOT, TABLE, w.name() + (w.isDefault() ? " (" + Weights.DEFAULT + ")" : ""),
          t.resizeSize(), t.cropSize(), t.interpolation().label(), values(t.mean()), values(t.std()),
          w.accuracy().map(a -> fixed(a.top1())).orElse(NONE), w.accuracy().map(a -> fixed(a.top5())).orElse(NONE),
          w.parameters().map(Object::toString).orElse(NONE), w.numClasses(), w.sha256Prefix().orElse(NONE), w.url()));
    }
    return out.toString();
  }

  /** A header line and one line per weight, for the end of {@code summary}. */
  static String summaryLines(String model) {
    List<WeightsInfo> all = Weights.forModel(model);
    if (all.isEmpty()) {
      return "Published weights: none\n";
    }
    StringBuilder out = new StringBuilder("Published weights (" + all.get(0).reference()
        + "; `nets4j list --weights " + model + "` for URLs and statistics):\n");
    for (WeightsInfo w : all) {
      ImageClassificationTransforms t = w.transforms();
      out.append(String.format(Locale.ROOT, "  %-40s resize %d (%s), crop %d, top-1 %s%s%n", w.name(),
          t.resizeSize(), t.interpolation().label(), t.cropSize(),
          w.accuracy().map(a -> fixed(a.top1())).orElse(NONE), w.isDefault() ? "  [" + Weights.DEFAULT + "]" : ""));
    }
    return out.toString();
  }

  private static String values(double[] v) {
    return Arrays.stream(v).mapToObj(PublishedWeights::compact).collect(Collectors.joining(","));
  }

  /** At most 7 decimals, so that vgg16's std of 1/255 prints as {@code 0.0039216}. */
  private static String compact(double x) {
    String s = Double.toString(x);
    return s.length() <= 7 ? s : String.format(Locale.ROOT, "%.7f", x).replaceAll("0+$", "");
  }

  private static String fixed(double x) {
    return String.format(Locale.ROOT, "%.3f", x);
  }
}
