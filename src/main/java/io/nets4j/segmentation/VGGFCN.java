package io.nets4j.segmentation;

import io.nets4j.models.VGG;
import io.nets4j.nn.Activation;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.ConvTranspose2d;
import io.nets4j.nn.Dropout;
import io.nets4j.nn.Init;
import io.nets4j.nn.MaxPool2d;
import io.nets4j.nn.Module;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * FCN-32s, FCN-16s and FCN-8s (Long, Shelhamer and Darrell 2015, "Fully Convolutional Networks for
 * Semantic Segmentation"): VGG-16 with its fully connected layers turned into convolutions, a 1x1
 * class-scoring layer, and transposed convolutions that upsample the coarse scores back to the
 * input, fused with finer scores from {@code pool4} (16s) and {@code pool3} (8s).
 *
 * <p>Layer names and geometry follow the paper's official Caffe models (and their PyTorch ports):
 * {@code conv1_1 .. conv5_3}, {@code fc6} (7x7, 4096), {@code fc7} (1x1, 4096), {@code score_fr},
 * {@code score_pool4}, {@code score_pool3}, {@code upscore*}. As in the official models,
 * {@code conv1_1} pads by 100 and max pooling rounds up, so that any input size of at least one
 * pixel gives a {@code fc6} map of at least 1x1; the fused and final maps are then cropped at the
 * fixed offsets of the official models (5 for {@code pool4}, 9 for {@code pool3}, 19 / 27 / 31 for
 * the 32s / 16s / 8s output), which align each map's pixel centres with the input's. The output
 * therefore always has the input's size. Class-scoring layers start at zero; upsampling layers
 * start as bilinear interpolation and are frozen unless {@code learnableUpsampling} (the paper
 * found learning them brought little). The paper's "at-once" variant's fixed scaling of the pool
 * scores is not applied (it is the staged training's architecture).
 *
 * <p>{@link #loadVgg16} "convolutionalizes" a trained VGG-16 classifier: its first two linear
 * layers become {@code fc6} and {@code fc7} by reshaping their weights.
 */
public final class VGGFCN extends SegmentationModel {
  /** The variants: the output stride of the coarsest fused scores. */
  public enum Variant {
    FCN32S(32, 19),
    FCN16S(16, 27),
    FCN8S(8, 31);

    final int stride;
    final int crop;

    Variant(int stride, int crop) {
      this.stride = stride;
      this.crop = crop;
    }
  }

  private static final String PAPER = "Long et al. 2015, Fully Convolutional Networks for Semantic Segmentation";
  /** VGG-16 (configuration D): convolutions per stage and their widths. */
  private static final int[] STAGE_DEPTHS = {2, 2, 3, 3, 3};
  private static final int[] STAGE_WIDTHS = {64, 128, 256, 512, 512};
  private static final int FC_WIDTH = 4096;
  private static final int FIRST_PADDING = 100;
  private static final int POOL4_CROP = 5;
  private static final int POOL3_CROP = 9;

  /** Registers fcn32s, fcn16s and fcn8s. */
  static void register(SegmentationModels.Registrar r) {
    for (Variant v : Variant.values()) {
      r.add("fcn" + v.stride + "s", "FCN", "paper (Caffe)", 500, PAPER,
          options -> new VGGFCN(v, options));
    }
  }

  private final Variant variant;
  private final int fcWidth;
  private final List<List<Conv2d>> stages = new ArrayList<>();
  /** Per stage, the batch norm after each convolution; empty lists without {@code batchNorm}. */
  private final List<List<BatchNorm2d>> norms = new ArrayList<>();
  private final Activation relu;
  private final MaxPool2d pool;
  private final Conv2d fc6;
  private final Dropout drop6;
  private final Conv2d fc7;
  private final Dropout drop7;
  private final Conv2d scoreFr;
  private final Conv2d scorePool3;
  private final Conv2d scorePool4;
  private final ConvTranspose2d upscore2;
  private final ConvTranspose2d upscorePool4;
  private final ConvTranspose2d upscoreFinal;

  public VGGFCN(Variant variant, SegmentationOptions options) {
    super(options);
    this.variant = variant;
    int numClasses = options.numClasses();
    int in = options.inChannels();
    for (int s = 0; s < STAGE_DEPTHS.length; s++) {
      List<Conv2d> convs = new ArrayList<>();
      List<BatchNorm2d> bns = new ArrayList<>();
      int width = options.scaled(STAGE_WIDTHS[s]);
      for (int i = 0; i < STAGE_DEPTHS[s]; i++) {
        int padding = s == 0 && i == 0 ? FIRST_PADDING : 1;
        String suffix = (s + 1) + "_" + (i + 1);
        convs.add(register("conv" + suffix, new Conv2d(in, width, ConvSpec.kernel(3).padding(padding))));
        if (options.batchNorm()) {
          bns.add(register("bn" + suffix, new BatchNorm2d(width)));
        }
        in = width;
      }
      stages.add(convs);
      norms.add(bns);
    }
    relu = register("relu", Activation.relu());
    pool = register("pool", new MaxPool2d(2, 2, 0, true));
    fcWidth = options.scaled(FC_WIDTH);
    fc6 = register("fc6", new Conv2d(in, fcWidth, ConvSpec.kernel(7)));
    drop6 = register("drop6", new Dropout(0.5));
    fc7 = register("fc7", new Conv2d(fcWidth, fcWidth, ConvSpec.kernel(1)));
    drop7 = register("drop7", new Dropout(0.5));
    scoreFr = register("score_fr", new Conv2d(fcWidth, numClasses, ConvSpec.kernel(1)));
    boolean skip3 = variant == Variant.FCN8S;
    boolean skip4 = variant != Variant.FCN32S;
    scorePool3 = skip3 ? register("score_pool3", new Conv2d(options.scaled(STAGE_WIDTHS[2]), numClasses,
        ConvSpec.kernel(1))) : null;
    scorePool4 = skip4 ? register("score_pool4", new Conv2d(options.scaled(STAGE_WIDTHS[3]), numClasses,
        ConvSpec.kernel(1))) : null;
    upscore2 = skip4 ? register("upscore2", upsampling(2)) : null;
    String finalName = switch (variant) {
      case FCN32S -> "upscore";
      case FCN16S -> "upscore16";
      case FCN8S -> "upscore8";
    };
    upscoreFinal = register(finalName, upsampling(variant.stride));
    upscorePool4 = skip3 ? register("upscore_pool4", upsampling(2)) : null;
    for (Module m : namedModules().values()) {
      if (m instanceof Conv2d c) {
        Init.kaimingNormalFanOut(c.weight());
        Init.zeros(c.bias());
      }
    }
    for (Conv2d score : new Conv2d[] {scoreFr, scorePool3, scorePool4}) {
      if (score != null) {
        Init.zeros(score.weight());
      }
    }
    if (!options.learnableUpsampling()) {
      for (ConvTranspose2d up : new ConvTranspose2d[] {upscore2, upscorePool4, upscoreFinal}) {
        if (up != null) {
          up.requiresGrad(false);
        }
      }
    }
  }

  /** A {@code 2f x 2f} transposed convolution of stride {@code f} per class, starting as bilinear interpolation. */
  private ConvTranspose2d upsampling(int factor) {
    ConvTranspose2d up = new ConvTranspose2d(numClasses(), numClasses(), ConvSpec.kernel(2 * factor).stride(factor).noBias());
    Upsampling.fillBilinear(up.weight());
    return up;
  }

  @Override
  public Map<String, Tensor> forwardOutputs(Tensor x) {
    checkInput(x);
    long h = x.size(2);
    long w = x.size(3);
    Tensor y = x;
    List<Tensor> pooled = new ArrayList<>();
    for (int s = 0; s < stages.size(); s++) {
      List<Conv2d> convs = stages.get(s);
      List<BatchNorm2d> bns = norms.get(s);
      for (int i = 0; i < convs.size(); i++) {
        y = convs.get(i).forward(y);
        y = relu.forward(bns.isEmpty() ? y : bns.get(i).forward(y));
      }
      y = pool.forward(y);
      pooled.add(y);
    }
    y = drop6.forward(relu.forward(fc6.forward(y)));
    y = drop7.forward(relu.forward(fc7.forward(y)));
    Tensor score = scoreFr.forward(y);
    if (variant != Variant.FCN32S) {
      score = upscore2.forward(score);
      score = score.add(crop(scorePool4.forward(pooled.get(3)), POOL4_CROP, score.size(2), score.size(3)));
    }
    if (variant == Variant.FCN8S) {
      score = upscorePool4.forward(score);
      score = score.add(crop(scorePool3.forward(pooled.get(2)), POOL3_CROP, score.size(2), score.size(3)));
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    out.put(OUT, crop(upscoreFinal.forward(score), variant.crop, h, w));
    return out;
  }

  /** The window {@code [offset, offset + h) x [offset, offset + w)} of an NCHW map. */
  private static Tensor crop(Tensor map, int offset, long h, long w) {
    return map.narrow(2, offset, h).narrow(3, offset, w);
  }

  /**
   * The convolutionalized classifier: {@code fc6, relu, drop6, fc7, relu, drop7} on a {@code pool5}
   * map. On VGG-16's 7x7 {@code pool5} of a 224x224 image it computes, at its single position, what
   * the classifier's first two layers compute; on a larger map it slides them over every 7x7 window.
   */
  public Tensor fc7(Tensor pool5) {
    Tensor y = drop6.forward(relu.forward(fc6.forward(pool5)));
    return drop7.forward(relu.forward(fc7.forward(y)));
  }

  /**
   * Copies a trained VGG-16's convolutions into {@code conv1_1..conv5_3} and reshapes its first two
   * linear layers into {@code fc6} (4096 x 512 x 7 x 7) and {@code fc7} (4096 x 4096 x 1 x 1). The
   * class projection {@code classifier.6} is not used: the FCN scores its own classes.
   */
  public void loadVgg16(VGG vgg) {
    if (norms.stream().anyMatch(l -> !l.isEmpty())) {
      throw new IllegalArgumentException("this FCN has batch norm in its backbone; convert a VGG-16 into one without");
    }
    Map<String, Tensor> source = vgg.stateDict();
    List<String> convKeys = source.keySet().stream()
        .filter(k -> k.startsWith("features.") && k.endsWith(".weight")).toList();
    List<Conv2d> convs = stages.stream().flatMap(List::stream).toList();
    if (convKeys.size() != convs.size() || source.keySet().stream().anyMatch(k -> k.endsWith("running_mean"))) {
      throw new IllegalArgumentException("expected VGG-16 without batch norm (" + convs.size()
          + " convolutions), got " + convKeys.size() + " feature weights" + (source.keySet().stream()
          .anyMatch(k -> k.endsWith("running_mean")) ? " with batch norm" : ""));
    }
    try (NoGradGuard g = new NoGradGuard()) {
      for (int i = 0; i < convs.size(); i++) {
        String prefix = convKeys.get(i).substring(0, convKeys.get(i).length() - "weight".length());
        copy(convs.get(i).weight(), source.get(prefix + "weight"), convs.get(i).path() + ".weight");
        copy(convs.get(i).bias(), source.get(prefix + "bias"), convs.get(i).path() + ".bias");
      }
      copy(fc6.weight(), source.get("classifier.0.weight").reshape(Tensors.shape(fc6.weight())), "fc6.weight");
      copy(fc6.bias(), source.get("classifier.0.bias"), "fc6.bias");
      copy(fc7.weight(), source.get("classifier.3.weight").reshape(Tensors.shape(fc7.weight())), "fc7.weight");
      copy(fc7.bias(), source.get("classifier.3.bias"), "fc7.bias");
    }
  }

  private static void copy(Tensor target, Tensor source, String what) {
    if (source == null || source.numel() != target.numel()) {
      throw new IllegalArgumentException(what + ": expected " + Tensors.describe(target) + " from VGG-16, got "
          + (source == null ? "nothing" : Tensors.describe(source)) + " (full width and matching input channels needed)");
    }
    target.copy_(source.reshape(Tensors.shape(target)));
  }

  public Variant variant() {
    return variant;
  }
}
