package io.nets4j.analysis;

import io.nets4j.models.EfficientNet;
import io.nets4j.models.Models;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Generates the compound-scaling table of EfficientNet B0-B7 (Tan and Le 2019, section 3.3):
 * for each variant of {@link EfficientNet#compoundScaling()} its coefficient phi, its released
 * width, depth and resolution beside the ideal powers {@code beta^phi}, {@code alpha^phi} and
 * {@code 224 gamma^phi}, its dropout, and the parameters and multiply-accumulates that
 * {@link ModelSummary} measures on the built model at its resolution. The MACs are set against
 * the growth the coefficients predict ({@code w^2 d r^2}) and the paper's target {@code 2^phi}.
 * Deterministic: {@code nets4j explain efficientnet-scaling} prints it.
 */
public final class EfficientNetScaling {
  /** The topic name of {@code nets4j explain}. */
  public static final String TOPIC = "efficientnet-scaling";

  /**
   * One variant, measured.
   *
   * @param scaling its coefficients
   * @param params registered parameters
   * @param macs multiply-accumulates of one forward pass at batch 1 and the variant's resolution
   */
  record Row(EfficientNet.Scaling scaling, long params, long macs) {
    /** The MAC growth over B0 that the released coefficients predict: {@code w^2 d (r / r0)^2}. */
    double predictedGrowth(Row b0) {
      double w = scaling.width() / b0.scaling.width();
      double d = scaling.depth() / b0.scaling.depth();
      double r = (double) scaling.resolution() / b0.scaling.resolution();
      return w * w * d * r * r;
    }
  }

  private EfficientNetScaling() {}

  /** Measures B0-B7 and returns the Markdown document. */
  public static String generate() {
    List<Row> rows = new ArrayList<>();
    for (EfficientNet.Scaling s : EfficientNet.compoundScaling()) {
      int side = s.resolution();
      SummaryTotals t = ModelSummary.of(s.name(), Models.create(s.name()), 1, 3, side, side).totals();
      rows.add(new Row(s, t.params(), t.macs()));
    }
    return render(rows);
  }

  static String render(List<Row> rows) {
    double a = EfficientNet.ALPHA;
    double b = EfficientNet.BETA;
    double g = EfficientNet.GAMMA;
    StringBuilder md = GeneratedDocument.start("efficientnet-scaling", EfficientNetScaling.class,
        ". Do not edit by hand: regenerate.", "EfficientNet compound scaling");
    md.append(String.format(Locale.ROOT, "EfficientNet scales its baseline B0 in depth, width and resolution "
        + "together with one coefficient phi: depth alpha^phi, width beta^phi, resolution gamma^phi, with alpha = %s, "
        + "beta = %s, gamma = %s found by a grid search on B0 under alpha * beta^2 * gamma^2 ~ 2 (here %.3f), so "
        + "that the MACs, which grow with depth, the square of width and the square of resolution, about double per "
        + "step of phi (Tan and Le 2019, section 3.3). The released B1-B7 round these coefficients (official "
        + "table): each cell gives the released value, then the ideal power in parentheses. Params and MACs are "
        + "measured by `ModelSummary` on the models built from the released values (channels rounded to multiples "
        + "of 8, repeats rounded up).%n%n", number(a), number(b), number(g), a * b * b * g * g));
    MarkdownTable t = new MarkdownTable(">phi", "Model", ">Width (beta^phi)", ">Depth (alpha^phi)",
        ">Resolution (224 gamma^phi)", ">Blocks", ">Dropout", ">Params", ">GMACs", ">MACs / B0", ">w²d r² / B0",
        ">2^phi");
    Row b0 = rows.get(0);
    for (Row r : rows) {
      EfficientNet.Scaling s = r.scaling();
      t.row(s.phi(), "`" + s.name() + "`", pair(s.width(), s.idealWidth()), pair(s.depth(), s.idealDepth()),
          s.resolution() + String.format(Locale.ROOT, " (%.0f)", s.idealResolution()), blocks(s), number(s.dropout()),
          r.params(),
          EfficientCnns.gmacs(r.macs()), growth((double) r.macs() / b0.macs()), growth(r.predictedGrowth(b0)),
          1L << s.phi());
    }
    md.append(t).append('\n');
    Row last = rows.get(rows.size() - 1);
    md.append(String.format(Locale.ROOT, "- From %s to %s the MACs grow %s times and the parameters %s times, where "
        + "the released coefficients predict %s and the paper's target is 2^%d = %d.%n", b0.scaling().name(),
        last.scaling().name(), growth((double) last.macs() / b0.macs()), growth((double) last.params() / b0.params()),
        growth(last.predictedGrowth(b0)), last.scaling().phi(), 1L << last.scaling().phi()));
    Row widest = b0;
    for (Row r : rows) {
      if (gap(r, b0) > gap(widest, b0)) {
        widest = r;
      }
    }
    md.append(String.format(Locale.ROOT, "- The measured growth departs most from the predicted one at %s: %s "
        + "against %s. Each stage's repeats are rounded up to whole blocks (%d blocks at depth %s, %d at depth %s), "
        + "channels are rounded to multiples of 8, and not every MAC grows as w²d r²: the stem and the head are "
        + "not repeated with depth, the classifier and the normalisations grow only linearly with width.%n",
        widest.scaling().name(), growth((double) widest.macs() / b0.macs()), growth(widest.predictedGrowth(b0)),
        blocks(widest.scaling()), number(widest.scaling().depth()), blocks(b0.scaling()),
        number(b0.scaling().depth())));
    return md.toString();
  }

  /** How far a row's measured MAC growth is from the predicted one, as a ratio >= 1. */
  private static double gap(Row r, Row b0) {
    double measured = (double) r.macs() / b0.macs();
    double predicted = r.predictedGrowth(b0);
    return Math.max(measured / predicted, predicted / measured);
  }

  /** The MBConv blocks of a variant: each stage's repeats times the depth, rounded up. */
  static int blocks(EfficientNet.Scaling s) {
    return EfficientNet.config(s).stages().stream().mapToInt(EfficientNet.Stage::layers).sum();
  }

  private static String pair(double released, double ideal) {
    return number(released) + String.format(Locale.ROOT, " (%.2f)", ideal);
  }

  private static String number(double v) {
    return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }

  private static String growth(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }
}
