package io.nets4j.analysis;

import io.nets4j.models.ImageClassifier;
import io.nets4j.models.Models;
import io.nets4j.nn.Activation;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Layer;
import io.nets4j.nn.Sequential;
import io.nets4j.tensor.Tensors;
import java.util.Locale;
import org.bytedeco.pytorch.Tensor;

/**
 * Generates {@code docs/classic-cnns.md}: the design choices of the classic CNNs — VGG's stacks of
 * 3x3 convolutions (Simonyan and Zisserman 2015), Inception's 1x1 reductions (Szegedy et al. 2015),
 * ResNet's bottleneck (He et al. 2016) and the growth of the receptive field — explained with the
 * numbers that {@link ModelSummary} measures on small networks built here and on registered models.
 * Nothing in the document is typed by hand; {@code nets4j explain classic-cnns} regenerates it.
 * The output depends only on the architectures, not on the random weights, so it is deterministic.
 */
public final class ClassicCnns {
  /** The topic name of {@code nets4j explain}. */
  public static final String TOPIC = "classic-cnns";

  /** Channels and resolution of the 3x3-stack and bottleneck comparisons. */
  static final int STACK_CHANNELS = 64;
  static final int STACK_SIDE = 56;

  private ClassicCnns() {}

  /** The whole Markdown document. */
  public static String generate() {
    StringBuilder md = GeneratedDocument.start("classic-cnns", ClassicCnns.class,
        " from model summaries. Do not edit by hand: regenerate.", "Classic CNN design choices, with numbers");
    md.append("Every number below is measured by `ModelSummary` (`nets4j summary`) on a forward pass of the network "
        + "shown, at batch 1: parameters (weights), multiply-accumulates (MACs) and the receptive field (RF, in input "
        + "pixels) with its jump (the effective stride). How they are counted is explained at the end.\n\n");
    ImageClassifier resnet50 = Models.create("resnet50");
    ImageClassifier resnet34 = Models.create("resnet34");
    ModelSummary resnet50Summary = ModelSummary.of("resnet50", resnet50, 1, 3, 224, 224);
    ModelSummary resnet34Summary = ModelSummary.of("resnet34", resnet34, 1, 3, 224, 224);
    stackedConvolutions(md);
    oneByOneReductions(md);
    bottleneck(md, resnet50, resnet50Summary, resnet34, resnet34Summary);
    receptiveFieldGrowth(md, resnet50Summary, resnet34Summary);
    conventions(md, resnet50Summary);
    return md.toString();
  }

  private static void stackedConvolutions(StringBuilder md) {
    int c = STACK_CHANNELS;
    long[] input = {1, c, STACK_SIDE, STACK_SIDE};
    md.append("## 1. Why VGG stacks 3x3 convolutions\n\n");
    md.append(String.format(Locale.ROOT, "A stack of n convolutions of kernel k (stride 1) sees a window of n(k-1)+1 "
        + "pixels. VGG builds its 5x5 and 7x7 windows from 3x3 convolutions. Measured for C = %d channels in and out "
        + "at %dx%d, without biases (so that the weights are exactly k²C² per convolution), each convolution followed "
        + "by a ReLU:%n%n", c, STACK_SIDE, STACK_SIDE));
    MarkdownTable t = new MarkdownTable("Alternative", ">Weights", ">k²C² per conv", ">MACs", ">Receptive field",
        ">Non-linearities");
    ModelSummary one5 = ModelSummary.of("one_5x5", stack(c, 5, 1), input);
    ModelSummary two3 = ModelSummary.of("two_3x3", stack(c, 3, 2), input);
    ModelSummary one7 = ModelSummary.of("one_7x7", stack(c, 7, 1), input);
    ModelSummary three3 = ModelSummary.of("three_3x3", stack(c, 3, 3), input);
    stackRow(t, "one 5x5 convolution", one5, 5, 1, c);
    stackRow(t, "two 3x3 convolutions", two3, 3, 2, c);
    stackRow(t, "one 7x7 convolution", one7, 7, 1, c);
    stackRow(t, "three 3x3 convolutions", three3, 3, 3, c);
    md.append(t).append('\n');
    md.append(String.format(Locale.ROOT, "- Two 3x3 convolutions see the same %s-pixel window as one 5x5 with %s "
        + "instead of %s weights (18C² vs 25C²) and %s instead of %s MACs: %s fewer, and two non-linearities "
        + "instead of one.%n", field(two3), SummaryRenderer.grouped(two3.totals().params()),
        SummaryRenderer.grouped(one5.totals().params()), SummaryRenderer.grouped(two3.totals().macs()),
        SummaryRenderer.grouped(one5.totals().macs()), fewer(two3.totals().params(), one5.totals().params())));
    md.append(String.format(Locale.ROOT, "- Three 3x3 convolutions replace a 7x7 (a %s-pixel window) with %s instead "
        + "of %s weights (27C² vs 49C²) and %s instead of %s MACs: %s fewer, with three non-linearities.%n",
        field(three3), SummaryRenderer.grouped(three3.totals().params()),
        SummaryRenderer.grouped(one7.totals().params()), SummaryRenderer.grouped(three3.totals().macs()),
        SummaryRenderer.grouped(one7.totals().macs()), fewer(three3.totals().params(), one7.totals().params())));
    md.append(String.format(Locale.ROOT, "- The MACs are the weights times the %s output positions (%dx%d): every "
        + "weight is used once per output pixel, so the saving in MACs equals the saving in weights.%n%n",
        SummaryRenderer.grouped((long) STACK_SIDE * STACK_SIDE), STACK_SIDE, STACK_SIDE));
    md.append("The summary of the three-convolution stack shows the field growing by 2 pixels per 3x3 layer:\n\n");
    md.append(three3.render(SummaryFormat.MARKDOWN, 1)).append('\n');
  }

  private static void stackRow(MarkdownTable t, String name, ModelSummary s, int k, int n, int c) {
    t.row(name, s.totals().params(), n == 1 ? k * k + "C² = " + SummaryRenderer.grouped((long) k * k * c * c)
        : n + " x " + k * k + "C² = " + SummaryRenderer.grouped((long) n * k * k * c * c),
        s.totals().macs(), field(s), n);
  }

  /** {@code n} convolutions of kernel {@code k} (same padding, no bias), each followed by a ReLU. */
  private static Sequential stack(int c, int k, int n) {
    Sequential s = new Sequential();
    for (int i = 0; i < n; i++) {
      s.add(new Conv2d(c, c, ConvSpec.kernel(k).padding(k / 2).noBias()));
      s.add(Activation.relu());
    }
    return s;
  }

  private static void oneByOneReductions(StringBuilder md) {
    long[] input = {1, 192, 28, 28};
    md.append("## 2. How a 1x1 convolution cuts an Inception branch\n\n");
    md.append("GoogLeNet's module inception (3a) takes 192 channels at 28x28. Its 5x5 branch makes 32 channels after "
        + "reducing the input to 16 channels with a 1x1 convolution; its 3x3 branch makes 128 after a reduction to 96 "
        + "(Szegedy et al. 2015, table 1). Each branch with and without the reduction (convolutions without biases, "
        + "each followed by a ReLU):\n\n");
    ModelSummary direct5 = ModelSummary.of("5x5_direct", branch(192, 0, 32, 5), input);
    ModelSummary reduced5 = ModelSummary.of("5x5_reduced", branch(192, 16, 32, 5), input);
    ModelSummary direct3 = ModelSummary.of("3x3_direct", branch(192, 0, 128, 3), input);
    ModelSummary reduced3 = ModelSummary.of("3x3_reduced", branch(192, 96, 128, 3), input);
    MarkdownTable t = new MarkdownTable("Branch", "Layers", ">Weights", ">MACs", "Output", ">Receptive field");
    t.row("5x5, direct", "5x5 conv 192→32", direct5.totals().params(), direct5.totals().macs(), output(direct5),
        field(direct5));
    t.row("5x5, 1x1 reduction to 16", "1x1 conv 192→16, 5x5 conv 16→32", reduced5.totals().params(),
        reduced5.totals().macs(), output(reduced5), field(reduced5));
    t.row("3x3, direct", "3x3 conv 192→128", direct3.totals().params(), direct3.totals().macs(), output(direct3),
        field(direct3));
    t.row("3x3, 1x1 reduction to 96", "1x1 conv 192→96, 3x3 conv 96→128", reduced3.totals().params(),
        reduced3.totals().macs(), output(reduced3), field(reduced3));
    md.append(t).append('\n');
    md.append(String.format(Locale.ROOT, "- The reduction divides the 5x5 branch's weights by %s (%s → %s) and its "
        + "MACs by %s (%s → %s), and the 3x3 branch's weights by %s (%s → %s).%n",
        factor(direct5.totals().params(), reduced5.totals().params()),
        SummaryRenderer.grouped(direct5.totals().params()), SummaryRenderer.grouped(reduced5.totals().params()),
        factor(direct5.totals().macs(), reduced5.totals().macs()),
        SummaryRenderer.grouped(direct5.totals().macs()), SummaryRenderer.grouped(reduced5.totals().macs()),
        factor(direct3.totals().params(), reduced3.totals().params()),
        SummaryRenderer.grouped(direct3.totals().params()), SummaryRenderer.grouped(reduced3.totals().params())));
    md.append("- The receptive field is unchanged: a 1x1 convolution mixes channels at each position and sees nothing "
        + "around it. The expensive spatial convolution now runs on 16 (or 96) channels instead of 192, and the "
        + "reduction adds a non-linearity.\n\n");
    md.append("The summary of the reduced 5x5 branch:\n\n");
    md.append(reduced5.render(SummaryFormat.MARKDOWN, 1)).append('\n');
  }

  /** An optional 1x1 reduction to {@code reduce} channels (0: none), then a k x k convolution. */
  private static Sequential branch(int in, int reduce, int out, int k) {
    Sequential s = new Sequential();
    int c = in;
    if (reduce > 0) {
      s.add(new Conv2d(in, reduce, ConvSpec.kernel(1).noBias()));
      s.add(Activation.relu());
      c = reduce;
    }
    s.add(new Conv2d(c, out, ConvSpec.kernel(k).padding(k / 2).noBias()));
    s.add(Activation.relu());
    return s;
  }

  private static void bottleneck(StringBuilder md, ImageClassifier resnet50, ModelSummary resnet50Summary,
      ImageClassifier resnet34, ModelSummary resnet34Summary) {
    md.append("## 3. ResNet's bottleneck against two 3x3 convolutions\n\n");
    md.append("ResNet-50 and deeper replace the basic block (two 3x3 convolutions) by a bottleneck: a 1x1 convolution "
        + "reduces 256 channels to 64, a 3x3 convolution works at 64, and a 1x1 convolution expands back to 256 (He et "
        + "al. 2016, figure 5). Measured at 56x56 with batch norm, as in the models: the second block of ResNet-50's "
        + "first stage and of ResNet-34's, taken from the registry, and a basic block at the bottleneck's 256-d width, "
        + "built here with the same layers:\n\n");
    Layer bottleneckBlock = (Layer) resnet50.namedModules().get("layer1.1");
    ModelSummary bottleneck = ModelSummary.of("resnet50 layer1.1", bottleneckBlock, 1, 256, STACK_SIDE, STACK_SIDE);
    ModelSummary basic256 = ModelSummary.of("basic block 256-d", new BasicBlock(256), 1, 256, STACK_SIDE, STACK_SIDE);
    Layer basic64Block = (Layer) resnet34.namedModules().get("layer1.1");
    ModelSummary basic64 = ModelSummary.of("resnet34 layer1.1", basic64Block, 1, 64, STACK_SIDE, STACK_SIDE);
    MarkdownTable t = new MarkdownTable("Block", "Convolutions", ">Weights", ">MACs", ">of which convolutions",
        ">Receptive field");
    t.row("bottleneck, 256-d (ResNet-50 `layer1.1`)", "1x1 256→64, 3x3 64→64, 1x1 64→256",
        bottleneck.totals().params(), bottleneck.totals().macs(), convMacs(bottleneck), field(bottleneck));
    t.row("basic, 256-d (built here)", "3x3 256→256, 3x3 256→256", basic256.totals().params(),
        basic256.totals().macs(), convMacs(basic256), field(basic256));
    t.row("basic, 64-d (ResNet-34 `layer1.1`)", "3x3 64→64, 3x3 64→64", basic64.totals().params(),
        basic64.totals().macs(), convMacs(basic64), field(basic64));
    md.append(t).append('\n');
    md.append(String.format(Locale.ROOT, "- At the same 256-d width, two 3x3 convolutions cost %s times the "
        + "bottleneck's weights (%s vs %s) and %s times its MACs.%n",
        factor(basic256.totals().params(), bottleneck.totals().params()),
        SummaryRenderer.grouped(basic256.totals().params()), SummaryRenderer.grouped(bottleneck.totals().params()),
        factor(basic256.totals().macs(), bottleneck.totals().macs())));
    md.append(String.format(Locale.ROOT, "- The bottleneck carries four times the channels of ResNet-34's 64-d basic "
        + "block for about its cost: %s vs %s weights, %s vs %s MACs. That is how ResNet-50 gets deeper and wider "
        + "than ResNet-34 for %s vs %s MACs in total.%n",
        SummaryRenderer.grouped(bottleneck.totals().params()), SummaryRenderer.grouped(basic64.totals().params()),
        SummaryRenderer.grouped(bottleneck.totals().macs()), SummaryRenderer.grouped(basic64.totals().macs()),
        SummaryRenderer.human(resnet50Summary.totals().macs()), SummaryRenderer.human(resnet34Summary.totals().macs())));
    md.append(String.format(Locale.ROOT, "- The price is the receptive field: with one 3x3 convolution a block widens "
        + "the field by 2 x its jump (a block alone: from 1 to %s pixels), with two by 4 x its jump (from 1 to %s).%n%n",
        field(bottleneck), field(basic64)));
    md.append("The summary of the bottleneck:\n\n");
    md.append(bottleneck.render(SummaryFormat.MARKDOWN, 1)).append('\n');
  }

  private static long convMacs(ModelSummary s) {
    return s.totals().macsByType().getOrDefault("Conv2d", 0L);
  }

  private static void receptiveFieldGrowth(StringBuilder md, ModelSummary s, ModelSummary resnet34) {
    md.append("## 4. Receptive field growth\n\n");
    md.append("Through a layer of kernel k, dilation d and stride s the field grows by (k-1)·d·jump and the jump is "
        + "multiplied by s (Araujo et al. 2019, \"Computing Receptive Fields of Convolutional Neural Networks\"). "
        + "Downsampling early makes every later 3x3 convolution widen the field more.\n\n");
    md.append("### VGG-16\n\n");
    if (Models.contains("vgg16")) {
      vggStages(md, ModelSummary.of("vgg16"));
    } else {
      md.append("VGG-16 is not registered in this build, so this table is skipped; run `nets4j explain classic-cnns` "
          + "again once it is.\n\n");
    }
    md.append("### ResNet-50\n\n");
    MarkdownTable t = new MarkdownTable("Stage", "Layers", "Output", ">Receptive field", ">Jump");
    SummaryRow last = null;
    for (SummaryRow r : s.rows(1)) {
      if (r.depth() != 1 || r.receptiveField() == null || r.type().startsWith("Adaptive")) {
        continue;
      }
      String layers = r.type().equals("Sequential") ? blocks(s, r) : r.type();
      t.row("`" + r.path() + "`", layers, Tensors.describe(r.outputShape()), r.receptiveField().sizeText(),
          r.receptiveField().jumpText());
      last = r;
    }
    md.append("At 224x224 input (each stage's field is that of its last block's output):\n\n");
    md.append(t).append('\n');
    SummaryRow pool = s.row("avgpool");
    ReceptiveField basic = resnet34.row(last.path()).receptiveField();
    md.append(String.format(Locale.ROOT, "After `%s` one position sees %s x %s input pixels, more than the 224x224 "
        + "image (the rest is zero padding). ResNet-34, whose basic blocks hold two 3x3 convolutions each, reaches %s "
        + "at jump %s there with %d blocks (ResNet-50: %d). The global average pool then mixes all positions (a field "
        + "of %s at jump %s).%n%n", last.path(), last.receptiveField().sizeText(), last.receptiveField().sizeText(),
        basic.sizeText(), basic.jumpText(), blockCount(resnet34), blockCount(s), pool.receptiveField().sizeText(),
        pool.receptiveField().jumpText()));
  }

  private static void vggStages(StringBuilder md, ModelSummary s) {
    MarkdownTable t = new MarkdownTable("Stage", "Convolutions", "Output", ">RF of the last convolution",
        ">RF after the pooling", ">Jump after the pooling");
    int stage = 0;
    int convs = 0;
    int allConvs = 0;
    SummaryRow previousConv = null;
    SummaryRow firstConv = null;
    SummaryRow lastConv = null;
    SummaryRow lastPool = null;
    for (SummaryRow r : s.rows()) {
      if (!r.spatial() || !r.leaf() || r.receptiveField() == null) {
        continue;
      }
      if (r.type().equals("Conv2d")) {
        convs++;
        allConvs++;
        previousConv = lastConv;
        lastConv = r;
        firstConv = firstConv == null ? r : firstConv;
      } else if (r.type().equals("MaxPool2d") && lastConv != null) {
        stage++;
        t.row(stage, convs + " (`" + firstConvOfStage(s, lastConv, convs) + "` … `" + lastConv.path() + "`)",
            Tensors.describe(lastConv.outputShape()), lastConv.receptiveField().sizeText(),
            r.receptiveField().sizeText(), r.receptiveField().jumpText());
        convs = 0;
        lastPool = r;
      }
    }
    md.append("At 224x224 input, one row per stage (convolutions at one resolution, then a 2x2 max pooling):\n\n");
    md.append(t).append('\n');
    if (lastPool != null && previousConv != null) {
      md.append(String.format(Locale.ROOT, "%d convolutions and %d poolings give a field of %s pixels at a jump of %s. "
          + "A convolution of the last stage adds %s pixels (2 x its input's jump of %s), the first one only %s.%n%n",
          allConvs, stage, lastPool.receptiveField().sizeText(), lastPool.receptiveField().jumpText(),
          ReceptiveField.number(lastConv.receptiveField().sizeH() - previousConv.receptiveField().sizeH()),
          ReceptiveField.number(previousConv.receptiveField().jumpH()),
          ReceptiveField.number(firstConv.receptiveField().sizeH() - 1)));
    }
  }

  /** The path of the first of the {@code n} convolutions that end with {@code last}. */
  private static String firstConvOfStage(ModelSummary s, SummaryRow last, int n) {
    int seen = 0;
    for (int i = last.index(); i >= 0; i--) {
      SummaryRow r = s.rows().get(i);
      if (r.type().equals("Conv2d") && ++seen == n) {
        return r.path();
      }
    }
    return last.path();
  }

  private static String blocks(ModelSummary s, SummaryRow stage) {
    long n = s.rows().stream().filter(r -> r.depth() == 2 && r.path().startsWith(stage.path() + ".")).count();
    return n + " bottlenecks";
  }

  /** The residual blocks of a ResNet: the calls inside its stages {@code layer1..4}. */
  private static long blockCount(ModelSummary s) {
    return s.rows().stream().filter(r -> r.depth() == 2 && r.path().matches("layer\\d\\.\\d+")).count();
  }

  private static void conventions(StringBuilder md, ModelSummary resnet50) {
    md.append("## How the numbers are counted\n\n");
    md.append("- **MACs**: one multiply-accumulate per weight use, biases not counted (the convention of fvcore and "
        + "of torchvision's published GFLOPS): a convolution costs output elements x (in/groups) x k²; a linear layer "
        + "output elements x in_features; batch norm one multiply-add per element; ReLU and pooling nothing. With "
        + "these rules `nets4j summary resnet50` counts " + SummaryRenderer.human(weightMacs(resnet50)) + " MACs in "
        + "convolutions and classifier (torchvision publishes 4.09 GFLOPS), plus "
        + SummaryRenderer.human(resnet50.totals().macsByType().getOrDefault("BatchNorm2d", 0L)) + " in batch norm.\n");
    md.append("- **Receptive field**: traced through the forward pass from layer to layer. A residual sum or a "
        + "concatenation is not a layer; its field is the union of the fields of its operands on the same grid.\n");
    md.append("- **Weights** are the parameters of the networks shown, including batch-norm scales and shifts where "
        + "there is batch norm.\n");
  }

  private static long weightMacs(ModelSummary s) {
    return convMacs(s) + s.totals().macsByType().getOrDefault("Linear", 0L);
  }

  private static String field(ModelSummary s) {
    ReceptiveField f = s.rows().get(0).receptiveField();
    return f == null ? "--" : f.sizeText();
  }

  private static String output(ModelSummary s) {
    return Tensors.describe(s.rows().get(0).outputShape());
  }

  /** {@code 28%} for 73,728 against 102,400. */
  private static String fewer(long smaller, long larger) {
    return Math.round(100.0 * (larger - smaller) / larger) + "%";
  }

  /** {@code 9.7} for 153,600 against 15,872. */
  private static String factor(long larger, long smaller) {
    return String.format(Locale.ROOT, "%.1f", (double) larger / smaller);
  }

  /**
   * A basic residual block (two 3x3 convolutions with batch norm, identity shortcut) in torchvision's
   * layout, at a width no registered ResNet uses.
   */
  private static final class BasicBlock extends Layer {
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Activation relu;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;

    BasicBlock(int width) {
      conv1 = register("conv1", new Conv2d(width, width, ConvSpec.kernel(3).padding(1).noBias()));
      bn1 = register("bn1", new BatchNorm2d(width));
      relu = register("relu", Activation.relu());
      conv2 = register("conv2", new Conv2d(width, width, ConvSpec.kernel(3).padding(1).noBias()));
      bn2 = register("bn2", new BatchNorm2d(width));
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor out = relu.forward(bn1.forward(conv1.forward(x)));
      return relu.forward(bn2.forward(conv2.forward(out)).add(x));
    }
  }
}
