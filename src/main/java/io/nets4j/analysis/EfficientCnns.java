package io.nets4j.analysis;

import io.nets4j.models.ImageClassifier;
import io.nets4j.models.ModelInfo;
import io.nets4j.models.Models;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.regex.Pattern;

/**
 * Generates {@code docs/efficient-cnns.md}: every registered model of the classic CNN families
 * (AlexNet, VGG, GoogLeNet, Inception v3, ResNet/ResNeXt/Wide ResNet, DenseNet) and of the
 * efficient ones (MobileNet V1-V3, ShuffleNet V1-V2, SE-ResNet/SENet, EfficientNet and V2,
 * ConvNeXt) with its parameters, its multiply-accumulates at its native resolution (from
 * {@link ModelSummary}), its CPU latency at batch 1 measured here ({@link Latency}) and the
 * ImageNet top-1 its reference publishes for its weights ({@link PublishedAccuracy}), followed by
 * observations computed from the table: the latency-accuracy front, top-1 per GMAC, and where
 * parameter and MAC counts disagree with latency.
 *
 * <p>Latencies belong to the machine and its load, which the document describes
 * ({@link Machine}); {@code nets4j explain efficient-cnns} regenerates it. A full run times every
 * model, VGG and EfficientNet-B7 at 600 px included: {@code --quick} takes fewer runs, and
 * {@code --models} a subset.
 */
public final class EfficientCnns {
  /** The topic name of {@code nets4j explain}. */
  public static final String TOPIC = "efficient-cnns";

  /** The registry families this document covers. */
  public static final List<String> FAMILIES = List.of("AlexNet", "VGG", "GoogLeNet", "InceptionV3", "ResNet",
      "DenseNet", "MobileNetV1", "MobileNetV2", "MobileNetV3", "ShuffleNetV1", "ShuffleNetV2", "SENet", "EfficientNet",
      "ConvNeXt");

  /** Untimed and timed forward passes per model. */
  public static final int WARMUP_RUNS = 3;
  public static final int RUNS = 20;
  /** The same with {@code --quick}. */
  public static final int QUICK_WARMUP_RUNS = 1;
  public static final int QUICK_RUNS = 5;

  /** Within this many top-1 points of the most accurate model, a model counts as "as accurate". */
  static final double NEAR_BEST_POINTS = 1.0;

  /**
   * One model of the table.
   *
   * @param info the registry entry
   * @param params registered parameters
   * @param macs multiply-accumulates of one forward pass at batch 1 and native resolution
   * @param latency the timed forward passes
   * @param top1 the published accuracy of its weights, or {@code null}
   */
  record Row(ModelInfo info, long params, long macs, Latency.Stats latency, PublishedAccuracy.Entry top1) {
    String name() {
      return info.name();
    }

    double gmacs() {
      return macs / 1e9;
    }

    double ms() {
      return latency.medianMs();
    }

    /** Multiply-accumulates per second of the median pass, in billions. */
    double gmacsPerSecond() {
      return gmacs() / (ms() / 1000);
    }
  }

  private EfficientCnns() {}

  /** Times the selected models and returns the whole Markdown document. */
  public static String generate(Explanations.Options options) {
    List<ModelInfo> models = select(options.models());
    int warmup = options.quick() ? QUICK_WARMUP_RUNS : WARMUP_RUNS;
    int runs = options.latencyRuns() > 0 ? options.latencyRuns() : options.quick() ? QUICK_RUNS : RUNS;
    Machine machine = Machine.current();
    List<Row> rows = new ArrayList<>();
    for (ModelInfo info : models) {
      Row row = measure(info, warmup, runs);
      rows.add(row);
      options.progress().accept(String.format(Locale.ROOT, "%s: %d/%d %s %.2f ms", TOPIC, rows.size(), models.size(),
          info.name(), row.ms()));
      // parameters are freed when their handles are collected: collecting between models keeps a
      // run at one model's memory and the collector's pauses out of the next timings
      System.gc();
    }
    return render(rows, machine, Machine.currentLoadAverage());
  }

  /**
   * The models of {@link #FAMILIES} named by {@code patterns} (names, or patterns where {@code *}
   * stands for any text), in registry order; all of them for no pattern.
   *
   * @throws io.nets4j.models.UnknownModelException for a name the registry does not know
   * @throws IllegalArgumentException for a model of another family, or a pattern that matches none
   */
  static List<ModelInfo> select(List<String> patterns) {
    List<ModelInfo> covered = Models.list().stream().filter(i -> FAMILIES.contains(i.family())).toList();
    if (patterns.isEmpty()) {
      return covered;
    }
    Set<String> chosen = new LinkedHashSet<>();
    for (String raw : patterns) {
      String p = raw.trim();
      if (p.isEmpty()) {
        throw new IllegalArgumentException("empty model name in the model list " + patterns);
      }
      if (p.contains("*")) {
        Pattern regex = Pattern.compile(Pattern.quote(p).replace("*", "\\E.*\\Q"));
        List<String> matched = covered.stream().map(ModelInfo::name).filter(n -> regex.matcher(n).matches()).toList();
        if (matched.isEmpty()) {
          throw new IllegalArgumentException("no model of " + TOPIC + " matches '" + p + "'");
        }
        chosen.addAll(matched);
      } else {
        ModelInfo info = Models.info(p);
        if (!FAMILIES.contains(info.family())) {
          throw new IllegalArgumentException("'" + p + "' is a " + info.family() + " model; " + TOPIC
              + " covers the families " + FAMILIES);
        }
        chosen.add(p);
      }
    }
    return covered.stream().filter(i -> chosen.contains(i.name())).toList();
  }

  /** Builds {@code info}'s model, summarises it and times it at batch 1 and its native resolution. */
  static Row measure(ModelInfo info, int warmupRuns, int runs) {
    ImageClassifier model = Models.create(info.name());
    int side = info.inputSize();
    long[] shape = {1, 3, side, side};
    SummaryTotals totals = ModelSummary.of(info.name(), model, shape).totals();
    Latency.Stats latency = Latency.measure(model, shape, warmupRuns, runs);
    return new Row(info, totals.params(), totals.macs(), latency, PublishedAccuracy.of(info.name()).orElse(null));
  }

  static String render(List<Row> rows, Machine machine, double loadAfter) {
    StringBuilder md = GeneratedDocument.start("efficient-cnns", EfficientCnns.class, ". The latencies were measured"
        + " on the machine described below: regenerate on a quiet machine rather than edit.",
        "Classic and efficient CNNs: parameters, MACs, latency and accuracy");
    md.append("Architectures are compared by their parameters and their multiply-accumulates (MACs), but a deployment "
        + "pays latency and buys accuracy. This table puts the four side by side for every classic and efficient CNN "
        + "of the registry, so that the cost of the last points of accuracy, and the cases where fewer parameters "
        + "or MACs do not mean a faster network, can be read off it.");
    int covered = select(List.of()).size();
    if (rows.size() < covered) {
      md.append(" This run covers ").append(rows.size()).append(" of the ").append(covered)
          .append(" models: run `nets4j explain efficient-cnns` without `--models` for all of them.");
    }
    md.append("\n\n");
    machine(md, rows, machine, loadAfter);
    table(md, rows);
    observations(md, rows);
    conventions(md);
    return md.toString();
  }

  private static void machine(StringBuilder md, List<Row> rows, Machine m, double loadAfter) {
    md.append("## Where the latencies were measured\n\n");
    md.append("- CPU: ").append(m.cpuModel()).append(", ").append(m.logicalCores()).append(" logical cores\n");
    md.append("- libtorch ").append(m.libtorch()).append(" (").append(m.cpuCapability()).append(" kernels), ")
        .append(m.threads()).append(" intra-op threads\n");
    md.append("- ").append(m.jvm()).append(", ").append(m.os()).append('\n');
    md.append("- Date: ").append(LocalDate.now(ZoneOffset.UTC)).append(" (UTC)\n");
    md.append("- Load average (1 min): ").append(load(m.loadAverage())).append(" before the first model, ")
        .append(load(loadAfter)).append(" after the last");
    if (m.loadAverage() > m.logicalCores() || loadAfter > m.logicalCores()) {
      md.append(". **The load exceeded the cores: other processes competed for them, and the latencies are "
          + "inflated and noisy.**");
    }
    md.append('\n');
    if (!rows.isEmpty()) {
      Latency.Stats s = rows.get(0).latency();
      md.append(String.format(Locale.ROOT, "- Method: batch 1, float32, a random input at the model's native "
          + "resolution; evaluation mode under libtorch's InferenceMode; %d untimed warm-up %s, then the median of %d "
          + "timed %s (IQR: first to third quartile).%n", s.warmupRuns(), s.warmupRuns() == 1 ? "pass" : "passes",
          s.runs(), s.runs() == 1 ? "pass" : "passes"));
    }
    md.append('\n');
  }

  private static String load(double v) {
    return Double.isNaN(v) ? "unknown" : String.format(Locale.ROOT, "%.2f", v);
  }

  private static void table(StringBuilder md, List<Row> rows) {
    md.append("## The table\n\n");
    MarkdownTable t = new MarkdownTable("Model", "Family", ">Input", ">Params", ">GMACs", ">Latency (ms)",
        ">IQR (ms)", ">Top-1 (%)", "Top-1 source");
    for (Row r : rows) {
      t.row("`" + r.name() + "`", r.info().family(), r.info().inputSize(), r.params(), gmacs(r.macs()),
          ms(r.ms()), ms(r.latency().p25Ms()) + "–" + ms(r.latency().p75Ms()),
          r.top1() == null ? "" : top1(r.top1().top1()), r.top1() == null ? "" : source(r));
    }
    md.append(t).append('\n');
    md.append("Top-1 sources (a blank cell: the reference publishes no weights for that model):\n\n");
    for (PublishedAccuracy.Source s : PublishedAccuracy.sources()) {
      md.append("- **").append(s.label()).append("**: ").append(s.where()).append("; the number of ").append(s.rule())
          .append(".\n");
    }
    md.append('\n');
  }

  private static String source(Row r) {
    PublishedAccuracy.Entry e = r.top1();
    String crop = e.evalSize() == r.info().inputSize() ? "" : ", crop " + e.evalSize();
    return e.source().label() + " `" + e.weights() + "`" + crop;
  }

  private static void observations(StringBuilder md, List<Row> rows) {
    md.append("## What the table shows\n\n");
    md.append("Computed from the rows above when the document was generated.\n\n");
    List<Row> rated = rows.stream().filter(r -> r.top1() != null).toList();
    accuracyFront(md, rated);
    accuracyPerGmac(md, rated);
    rankings(md, rows);
    throughput(md, rows);
  }

  private static void accuracyFront(StringBuilder md, List<Row> rated) {
    md.append("### Latency against accuracy\n\n");
    if (rated.size() < 2) {
      md.append("Fewer than two models with a published top-1 are in the table: there is nothing to compare.\n\n");
      return;
    }
    Row best = rated.stream().max(Comparator.comparingDouble(r -> r.top1().top1())).orElseThrow();
    Row fastest = rated.stream().min(Comparator.comparingDouble(Row::ms)).orElseThrow();
    List<Row> front = paretoFront(rated);
    md.append(String.format(Locale.ROOT, "Of the %d models with a published top-1, the most accurate is **%s** "
        + "(%s %%, %s ms) and the fastest **%s** (%s %%, %s ms). Only %d of them are on the latency-accuracy front, "
        + "where no other model is both faster and more accurate; every other model is beaten on both counts:%n%n",
        rated.size(), best.name(), top1(best.top1().top1()), ms(best.ms()), fastest.name(),
        top1(fastest.top1().top1()), ms(fastest.ms()), front.size()));
    MarkdownTable t = new MarkdownTable("Model", ">Latency (ms)", ">Top-1 (%)", ">GMACs", "Step from the previous");
    Row previous = null;
    for (Row r : front) {
      t.row("`" + r.name() + "`", ms(r.ms()), top1(r.top1().top1()), gmacs(r.macs()), previous == null ? ""
          : String.format(Locale.ROOT, "+%.2f points for %.1f times the latency", r.top1().top1() - previous.top1().top1(),
              r.ms() / previous.ms()));
      previous = r;
    }
    md.append(t).append('\n');
    Row near = nearBest(front, best);
    if (near != best) {
      md.append(String.format(Locale.ROOT, "Within %.0f point of the best, **%s** (%s %%) runs in %s ms: the last "
          + "%.2f points cost %.1f times the latency.%n%n", NEAR_BEST_POINTS, near.name(), top1(near.top1().top1()),
          ms(near.ms()), best.top1().top1() - near.top1().top1(), best.ms() / near.ms()));
    } else {
      md.append(String.format(Locale.ROOT, "No model within %.0f point of **%s** is faster than it.%n%n",
          NEAR_BEST_POINTS, best.name()));
    }
  }

  /** The rows that no other row beats on both latency and top-1, fastest first. */
  static List<Row> paretoFront(List<Row> rated) {
    List<Row> sorted = new ArrayList<>(rated);
    sorted.sort(Comparator.comparingDouble(Row::ms).thenComparing(r -> -r.top1().top1()));
    List<Row> front = new ArrayList<>();
    double bestSoFar = Double.NEGATIVE_INFINITY;
    for (Row r : sorted) {
      if (r.top1().top1() > bestSoFar) {
        front.add(r);
        bestSoFar = r.top1().top1();
      }
    }
    return front;
  }

  /** The fastest front model within {@link #NEAR_BEST_POINTS} of {@code best}'s top-1. */
  static Row nearBest(List<Row> front, Row best) {
    for (Row r : front) {
      if (r.top1().top1() >= best.top1().top1() - NEAR_BEST_POINTS) {
        return r;
      }
    }
    return best;
  }

  private static void accuracyPerGmac(StringBuilder md, List<Row> rated) {
    md.append("### Top-1 per GMAC\n\n");
    if (rated.size() < 2) {
      md.append("Fewer than two models with a published top-1 are in the table.\n\n");
      return;
    }
    List<Row> byRatio = new ArrayList<>(rated);
    byRatio.sort(Comparator.comparingDouble(EfficientCnns::top1PerGmac).reversed());
    int n = Math.min(3, byRatio.size() / 2);
    md.append("Top-1 points per billion MACs at native resolution: highest ").append(ratioList(byRatio.subList(0, n))).append("; lowest ")
        .append(ratioList(byRatio.subList(byRatio.size() - n, byRatio.size()))).append(".");
    Row best = rated.stream().max(Comparator.comparingDouble(r -> r.top1().top1())).orElseThrow();
    md.append(String.format(Locale.ROOT, " The most accurate, **%s**, gets %.1f, rank %d of %d.%n%n", best.name(),
        top1PerGmac(best), byRatio.indexOf(best) + 1, byRatio.size()));
  }

  static double top1PerGmac(Row r) {
    return r.top1().top1() / r.gmacs();
  }

  private static String ratioList(List<Row> rows) {
    List<String> parts = new ArrayList<>();
    for (Row r : rows) {
      parts.add(String.format(Locale.ROOT, "**%s** %.1f", r.name(), top1PerGmac(r)));
    }
    return String.join(", ", parts);
  }

  private static void rankings(StringBuilder md, List<Row> rows) {
    md.append("### Parameters and MACs do not rank latency\n\n");
    if (rows.size() < 3) {
      md.append("Fewer than three models are in the table: there is no ranking to compare.\n\n");
      return;
    }
    md.append(String.format(Locale.ROOT, "Spearman rank correlation with the median latency over the %d models: "
        + "parameters %.2f, MACs %.2f. In %.0f %% of the pairs of models the one with fewer parameters is the slower, "
        + "in %.0f %% the one with fewer MACs.%n%n", rows.size(), spearman(rows, r -> r.params(), Row::ms),
        spearman(rows, Row::gmacs, Row::ms), 100 * discordance(rows, r -> r.params(), Row::ms),
        100 * discordance(rows, Row::gmacs, Row::ms)));
    inversion(md, rows, "parameters", r -> r.params(), r -> SummaryRenderer.human(r.params()));
    inversion(md, rows, "MACs", Row::gmacs, r -> gmacs(r.macs()) + " G");
    md.append('\n');
  }

  private static void inversion(StringBuilder md, List<Row> rows, String what, ToDoubleFunction<Row> cost,
      Function<Row, String> shown) {
    Row[] pair = strongestInversion(rows, cost, Row::ms);
    if (pair == null) {
      md.append("- Fewer ").append(what).append(" always meant a lower latency here.\n");
      return;
    }
    Row small = pair[0];
    Row large = pair[1];
    md.append(String.format(Locale.ROOT, "- The strongest disagreement on %s: **%s** has %.1f times fewer (%s against "
        + "%s for **%s**) yet takes %.1f times as long (%s against %s ms).%n", what, small.name(),
        cost.applyAsDouble(large) / cost.applyAsDouble(small), shown.apply(small), shown.apply(large), large.name(),
        small.ms() / large.ms(), ms(small.ms()), ms(large.ms())));
  }

  /**
   * Among the pairs where the cheaper model by {@code cost} is the slower one, the pair {cheaper,
   * dearer} with the largest product of the two ratios; {@code null} if there is none.
   */
  static Row[] strongestInversion(List<Row> rows, ToDoubleFunction<Row> cost, ToDoubleFunction<Row> time) {
    Row[] best = null;
    double bestScore = 0;
    for (Row a : rows) {
      for (Row b : rows) {
        double ca = cost.applyAsDouble(a);
        double cb = cost.applyAsDouble(b);
        double ta = time.applyAsDouble(a);
        double tb = time.applyAsDouble(b);
        if (ca < cb && ta > tb) {
          double score = Math.log(cb / ca) + Math.log(ta / tb);
          if (score > bestScore) {
            bestScore = score;
            best = new Row[] {a, b};
          }
        }
      }
    }
    return best;
  }

  /** The fraction of pairs (ties in either measure left out) that the two measures order oppositely. */
  static double discordance(List<Row> rows, ToDoubleFunction<Row> x, ToDoubleFunction<Row> y) {
    long compared = 0;
    long discordant = 0;
    for (int i = 0; i < rows.size(); i++) {
      for (int j = i + 1; j < rows.size(); j++) {
        double dx = x.applyAsDouble(rows.get(i)) - x.applyAsDouble(rows.get(j));
        double dy = y.applyAsDouble(rows.get(i)) - y.applyAsDouble(rows.get(j));
        if (dx != 0 && dy != 0) {
          compared++;
          discordant += Math.signum(dx) != Math.signum(dy) ? 1 : 0;
        }
      }
    }
    return compared == 0 ? 0 : (double) discordant / compared;
  }

  /** Spearman's rank correlation (Pearson's on ranks, ties sharing their mean rank). */
  static double spearman(List<Row> rows, ToDoubleFunction<Row> x, ToDoubleFunction<Row> y) {
    double[] rx = ranks(rows, x);
    double[] ry = ranks(rows, y);
    double mean = (rows.size() + 1) / 2.0;
    double sxy = 0;
    double sxx = 0;
    double syy = 0;
    for (int i = 0; i < rx.length; i++) {
      sxy += (rx[i] - mean) * (ry[i] - mean);
      sxx += (rx[i] - mean) * (rx[i] - mean);
      syy += (ry[i] - mean) * (ry[i] - mean);
    }
    return sxx == 0 || syy == 0 ? 0 : sxy / Math.sqrt(sxx * syy);
  }

  private static double[] ranks(List<Row> rows, ToDoubleFunction<Row> f) {
    int n = rows.size();
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble(i -> f.applyAsDouble(rows.get(i))));
    double[] rank = new double[n];
    int start = 0;
    while (start < n) {
      int end = start;
      double v = f.applyAsDouble(rows.get(order[start]));
      while (end + 1 < n && f.applyAsDouble(rows.get(order[end + 1])) == v) {
        end++;
      }
      double shared = (start + end) / 2.0 + 1;
      for (int k = start; k <= end; k++) {
        rank[order[k]] = shared;
      }
      start = end + 1;
    }
    return rank;
  }

  private static void throughput(StringBuilder md, List<Row> rows) {
    md.append("### Not every MAC costs the same\n\n");
    Map<String, List<Row>> byFamily = new LinkedHashMap<>();
    for (Row r : rows) {
      byFamily.computeIfAbsent(r.info().family(), f -> new ArrayList<>()).add(r);
    }
    List<Map.Entry<String, Double>> medians = new ArrayList<>();
    byFamily.forEach((family, members) -> medians.add(Map.entry(family,
        median(members.stream().mapToDouble(Row::gmacsPerSecond).sorted().toArray()))));
    medians.sort(Map.Entry.<String, Double>comparingByValue().reversed());
    md.append("MACs executed per second of median latency (GMAC/s), per family:\n\n");
    MarkdownTable t = new MarkdownTable("Family", ">Models", ">Median GMAC/s", ">Range");
    for (Map.Entry<String, Double> e : medians) {
      List<Row> members = byFamily.get(e.getKey());
      double lo = members.stream().mapToDouble(Row::gmacsPerSecond).min().orElseThrow();
      double hi = members.stream().mapToDouble(Row::gmacsPerSecond).max().orElseThrow();
      t.row(e.getKey(), members.size(), rate(e.getValue()), lo == hi ? rate(lo) : rate(lo) + "–" + rate(hi));
    }
    md.append(t).append('\n');
    if (medians.size() >= 2) {
      Map.Entry<String, Double> top = medians.get(0);
      Map.Entry<String, Double> bottom = medians.get(medians.size() - 1);
      md.append(String.format(Locale.ROOT, "%s executes %.1f times as many MACs per second as %s on this machine: the MACs "
          + "of different families do not cost the same time.%n%n", top.getKey(),
          top.getValue() / bottom.getValue(), bottom.getKey()));
    }
  }

  private static double median(double[] sorted) {
    return Latency.quantile(sorted, 0.5);
  }

  private static void conventions(StringBuilder md) {
    md.append("## How the numbers are counted\n\n");
    md.append("- **Params**: every registered parameter (`Models.parameterCount`), including the auxiliary "
        + "classifiers that GoogLeNet and Inception v3 run only in training.\n");
    md.append("- **GMACs**: billions of multiply-accumulates of one forward pass at batch 1 and the model's native "
        + "resolution (the Input column), counted by `ModelSummary` (`nets4j summary`): one per weight use in "
        + "convolutions and linear layers, one per element for normalisation; see `docs/classic-cnns.md`.\n");
    md.append("- **Latency**: wall-clock time of one forward pass on this machine's CPU, measured by "
        + "`io.nets4j.analysis.Latency`; it depends on the machine, its load and libtorch's kernels, not on the "
        + "weights.\n");
    md.append("- **Top-1**: published ImageNet-1k validation accuracy of the reference's weights for the same "
        + "architecture (not measured here). Recipes differ between rows: later recipes add several points to the "
        + "same architecture, so compare accuracies across families with care.\n");
  }

  static String gmacs(long macs) {
    return String.format(Locale.ROOT, "%.3f", macs / 1e9);
  }

  static String ms(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static String rate(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  static String top1(double v) {
    return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }
}
