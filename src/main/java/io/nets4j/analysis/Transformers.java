package io.nets4j.analysis;

import io.nets4j.models.ImageClassifier;
import io.nets4j.models.ModelInfo;
import io.nets4j.models.Models;
import io.nets4j.nn.Layer;
import io.nets4j.nn.Module;
import io.nets4j.nn.RecordsAttention;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.NativeRuntime;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Generates {@code docs/transformers.md}: the cost of the vision transformers against CNNs of similar
 * size (parameters, MACs from {@link ModelSummary}, measured batch-1 CPU latency), and how global
 * attention (ViT, Dosovitskiy et al. 2021) and windowed attention (Swin, Liu et al. 2021) scale with
 * the image: tokens, the attention map's memory (read from a recorded map) and the measured forward
 * time and MACs of one block at each size. {@code nets4j explain transformers} regenerates it; the
 * latencies depend on the machine and its load, so regenerate it on a quiet machine.
 */
public final class Transformers {
  /** The topic name of {@code nets4j explain}. */
  public static final String TOPIC = "transformers";

  /**
   * What to measure.
   *
   * @param transformers registered transformer models for the cost table
   * @param cnns registered CNNs of similar size, for comparison
   * @param sizes image sides of the scaling table
   * @param globalModel the ViT whose first block is measured ({@code encoder.layers.encoder_layer_0})
   * @param windowedModel the Swin whose first block is measured ({@code features.1.0})
   * @param warmup untimed forward passes before timing
   * @param runs timed forward passes (the median is reported)
   */
  record Plan(List<String> transformers, List<String> cnns, int[] sizes, String globalModel, String windowedModel,
      int warmup, int runs) {
    Plan {
      transformers = List.copyOf(transformers);
      cnns = List.copyOf(cnns);
      sizes = sizes.clone();
      if (runs < 1 || warmup < 0) {
        throw new IllegalArgumentException("need at least one timed run and no negative warm-up, got " + runs + " and "
            + warmup);
      }
    }
  }

  /** The document's plan: the task's models and 224..896 pixels. */
  static final Plan FULL = new Plan(
      List.of("vit_b_16", "vit_b_32", "swin_t", "swin_s", "swin_b", "cvt_13", "cvt_21", "localvit_tiny_mlp4_act3_r192",
          "localvit_small_mlp4_act3_r384", "convit_tiny", "convit_small", "coatnet_0_224"),
      List.of("resnet50", "convnext_tiny", "efficientnet_b3", "efficientnet_b4"),
      new int[] {224, 448, 672, 896}, "vit_b_16", "swin_t", 2, 5);

  private static final String GLOBAL_BLOCK = "encoder.layers.encoder_layer_0";
  private static final String WINDOWED_BLOCK = "features.1.0";
  private static final int VIT_PATCH = 16;
  private static final int SWIN_PATCH = 4;

  private Transformers() {}

  /** The whole Markdown document. */
  public static String generate() {
    return generate(FULL);
  }

  static String generate(Plan plan) {
    NativeRuntime.load();
    StringBuilder md = GeneratedDocument.start("transformers", Transformers.class, ". Latencies are measured on the"
        + " machine that ran it. Do not edit by hand: regenerate.", "Vision transformers: cost, and the price of global"
        + " attention");
    md.append(String.format(Locale.ROOT, "Parameters and multiply-accumulates (MACs) are counted by `ModelSummary` "
        + "(`nets4j summary`) on a forward pass at batch 1; attention's matrix products (q·kᵀ and attention·v) are "
        + "included. Times are wall-clock medians of %d forward passes after %d warm-up passes, batch 1, float32, "
        + "eval mode without gradients, on the CPU with %d libtorch threads; weights are random (the cost does not "
        + "depend on them).%n%n", plan.runs(), plan.warmup(), torch.get_num_threads()));
    costTable(md, plan);
    scaling(md, plan);
    return md.toString();
  }

  private static void costTable(StringBuilder md, Plan plan) {
    md.append("## 1. Transformers next to CNNs of similar size\n\n");
    MarkdownTable t = new MarkdownTable("Model", "Kind", "Family", ">Input", ">Parameters", ">MACs", ">Latency (ms)");
    for (String name : plan.transformers()) {
      costRow(t, name, "transformer", plan);
    }
    for (String name : plan.cnns()) {
      costRow(t, name, "CNN", plan);
    }
    md.append(t).append('\n');
    md.append("Each model runs at its native resolution (the Input column). MACs grow with the tokens: CvT and Swin "
        + "downsample like CNNs, ViT keeps all tokens for all layers.\n\n");
  }

  private static void costRow(MarkdownTable t, String name, String kind, Plan plan) {
    ModelInfo info = Models.info(name);
    int s = info.inputSize();
    ImageClassifier model = Models.create(name);
    ModelSummary summary = ModelSummary.of(name, model, 1, 3, s, s);
    double ms = medianMillis(model, new long[] {1, 3, s, s}, plan);
    t.row("`" + name + "`", kind, info.family(), s + "x" + s, summary.totals().params(),
        SummaryRenderer.human(summary.totals().macs()), String.format(Locale.ROOT, "%.1f", ms));
  }

  /** One measured row of the scaling table. */
  record BlockCost(int tokens, int heads, long mapBytesPerHead, long mapElementsPerHead, long macs, double millis) {}

  private static void scaling(StringBuilder md, Plan plan) {
    md.append("## 2. Global against windowed attention as the image grows\n\n");
    md.append(String.format(Locale.ROOT, "Global attention relates every token to every other: with N tokens the "
        + "attention map of one head in one layer has N² entries. `%s` has one token per %dx%d patch plus the class "
        + "token (a larger image works by interpolating the position embedding), and keeps them all in every layer. "
        + "`%s` attends inside 7x7 windows: each map has 49² entries, and the number of windows grows with the image, "
        + "so the cost is linear in N. Measured on the first block of each model — `%s` of `%s` (global) and "
        + "`%s` of `%s` (windowed, the first stage, one token per %dx%d pixels, the most tokens of the model) — fed "
        + "a random input of the shape the block sees at that image size. The map's memory is that of the map the "
        + "block records (float32, per head, per layer: windows x 49² entries for Swin); MACs are from "
        + "`ModelSummary` on the block; the time is the block's measured forward time (not the whole model's, "
        + "and not peak memory).%n%n", plan.globalModel(), VIT_PATCH, VIT_PATCH, plan.windowedModel(), GLOBAL_BLOCK,
        plan.globalModel(), WINDOWED_BLOCK, plan.windowedModel(), SWIN_PATCH, SWIN_PATCH));
    ImageClassifier globalModel = Models.create(plan.globalModel());
    int globalLayers = RecordsAttention.find(globalModel).size();
    Layer global = block(globalModel, plan.globalModel(), GLOBAL_BLOCK);
    Layer windowed = block(Models.create(plan.windowedModel()), plan.windowedModel(), WINDOWED_BLOCK);
    long globalWidth = width(global);
    long windowedWidth = width(windowed);
    MarkdownTable t = new MarkdownTable("Image", ">Global: tokens N", ">Global: map per head per layer",
        ">Global: block MACs", ">Global: block time (ms)", ">Windowed: tokens", ">Windowed: map per head per layer",
        ">Windowed: block MACs", ">Windowed: block time (ms)");
    List<BlockCost> g = new ArrayList<>();
    List<BlockCost> w = new ArrayList<>();
    for (int size : plan.sizes()) {
      int side = size / VIT_PATCH;
      BlockCost gc = measure(global, new long[] {1, 1 + (long) side * side, globalWidth}, plan);
      int map = size / SWIN_PATCH;
      BlockCost wc = measure(windowed, new long[] {1, map, map, windowedWidth}, plan);
      g.add(gc);
      w.add(wc);
      t.row(size + "x" + size, gc.tokens(), bytes(gc.mapBytesPerHead()), SummaryRenderer.human(gc.macs()),
          String.format(Locale.ROOT, "%.1f", gc.millis()), wc.tokens(), bytes(wc.mapBytesPerHead()),
          SummaryRenderer.human(wc.macs()), String.format(Locale.ROOT, "%.1f", wc.millis()));
    }
    md.append(t).append('\n');
    int last = plan.sizes().length - 1;
    md.append(String.format(Locale.ROOT, "From %dx%d to %dx%d pixels the tokens grow %s times. The global map grows "
        + "%s times (N²) and the global block's MACs %s times; the windowed map grows %s times and the windowed "
        + "block's MACs %s times (linear). Measured time: %s times for the global block, %s times for the windowed "
        + "one. At %dx%d one global map of one head takes %s, %d heads x %d layers of them %s if materialised "
        + "(libtorch's fused attention, used unless maps are recorded, does not keep them).%n",
        plan.sizes()[0], plan.sizes()[0], plan.sizes()[last], plan.sizes()[last],
        ratio(g.get(last).tokens(), g.get(0).tokens()),
        ratio(g.get(last).mapElementsPerHead(), g.get(0).mapElementsPerHead()), ratio(g.get(last).macs(), g.get(0).macs()),
        ratio(w.get(last).mapElementsPerHead(), w.get(0).mapElementsPerHead()), ratio(w.get(last).macs(), w.get(0).macs()),
        ratio(g.get(last).millis(), g.get(0).millis()), ratio(w.get(last).millis(), w.get(0).millis()),
        plan.sizes()[last], plan.sizes()[last], bytes(g.get(last).mapBytesPerHead()), g.get(last).heads(),
        globalLayers, bytes(g.get(last).mapBytesPerHead() * g.get(last).heads() * globalLayers)));
  }

  /** The module at {@code path} of {@code model} (registered as {@code name}), in eval mode. */
  private static Layer block(ImageClassifier model, String name, String path) {
    Module m = model.namedModules().get(path);
    if (!(m instanceof Layer l)) {
      throw new IllegalStateException(name + " has no block '" + path + "'");
    }
    l.eval();
    return l;
  }

  /** The token width of a pre-norm block: the size of its first parameter, the first LayerNorm's weight. */
  private static long width(Layer block) {
    Tensor w = block.namedParameters().values().iterator().next();
    return w.size(-1);
  }

  private static BlockCost measure(Layer block, long[] inputShape, Plan plan) {
    ModelSummary summary = ModelSummary.of(block.path(), block, inputShape);
    long[] mapShape;
    RecordsAttention.recordAll(block, true);
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      block.forward(Tensors.zeros(DType.FLOAT32, inputShape).normal_());
      Map<String, Tensor> maps = RecordsAttention.lastAttentions(block);
      if (maps.size() != 1) {
        throw new IllegalStateException(block.path() + " recorded " + maps.size() + " attention maps, expected 1");
      }
      mapShape = Tensors.shape(maps.values().iterator().next());
    } finally {
      RecordsAttention.recordAll(block, false);
    }
    // [N, heads, T, T] (global) or [N, windows, heads, T, T] (windowed)
    int heads = (int) mapShape[mapShape.length - 3];
    long perHead = Tensors.numel(mapShape) / heads;
    long tokens = inputShape.length == 3 ? inputShape[1] : inputShape[1] * inputShape[2];
    return new BlockCost((int) tokens, heads, perHead * DType.FLOAT32.byteSize(), perHead, summary.totals().macs(),
        medianMillis(block, inputShape, plan));
  }

  private static double medianMillis(Layer model, long[] inputShape, Plan plan) {
    model.eval();
    double[] times = new double[plan.runs()];
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      Tensor x = Tensors.zeros(DType.FLOAT32, inputShape).normal_();
      for (int i = 0; i < plan.warmup() + plan.runs(); i++) {
        try (Scope run = Scope.open()) {
          long start = System.nanoTime();
          model.forward(x);
          long end = System.nanoTime();
          if (i >= plan.warmup()) {
            times[i - plan.warmup()] = (end - start) / 1e6;
          }
        }
      }
    }
    Arrays.sort(times);
    return times.length % 2 == 1 ? times[times.length / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
  }

  /** {@code 151.6 KiB}, {@code 37.5 MiB}. */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  private static String ratio(double a, double b) {
    return String.format(Locale.ROOT, "%.1f", a / b);
  }
}
