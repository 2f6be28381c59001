package io.nets4j.detection;

import io.nets4j.models.ModelOptions;
import io.nets4j.models.ResNet;
import io.nets4j.models.ImageClassifier;
import io.nets4j.models.Models;
import io.nets4j.nn.Module;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.pytorch.Tensor;

/**
 * Faster R-CNN (Ren et al. 2015, "Faster R-CNN: Towards Real-Time Object Detection with Region
 * Proposal Networks") with a ResNet + FPN backbone (Lin et al. 2017), in torchvision's structure
 * and parameter names: {@code backbone.body} (the ResNet without its head), {@code backbone.fpn},
 * {@code rpn.head}, {@code roi_heads.box_head} and {@code roi_heads.box_predictor}.
 *
 * <p>Two variants: {@link #resnet50Fpn} is torchvision's {@code fasterrcnn_resnet50_fpn}; {@link
 * #light} is a small one that trains from scratch on two CPU cores (ResNet-18 from the model
 * registry, FPN with 128 channels on its last three stages, a 256-wide box head), meant for ~128
 * px images. {@link #fpn} builds the {@code resnet50Fpn} architecture on the last four feature maps
 * ({@link ImageClassifier#featureInfo}) of any backbone. {@link #losses} is torchvision's training
 * forward pass (model in training mode).
 *
 * <p>As torchvision builds it without pretrained weights, the backbone uses ordinary BatchNorm2d
 * (with {@code num_batches_tracked}); in eval mode it normalises with the running statistics.
 */
public final class FasterRCNN extends Module {
  /**
   * @param numClasses classes including the background class 0 (COCO: 91)
   * @param minSize short side of the resized images
   * @param maxSize bound of their long side
   * @param rpn proposal settings
   * @param boxes detection settings
   */
  public record Config(int numClasses, int minSize, int maxSize, RegionProposalNetwork.Config rpn,
      RoIHeads.Config boxes) {
    /** torchvision's defaults: 91 COCO classes, images resized to 800 / 1333. */
    public static final Config COCO = new Config(91, 800, 1333, RegionProposalNetwork.Config.DEFAULTS,
        RoIHeads.Config.DEFAULTS);

    public Config withSizes(int min, int max) {
      return new Config(numClasses, min, max, rpn, boxes);
    }

    public Config withBoxes(RoIHeads.Config b) {
      return new Config(numClasses, minSize, maxSize, rpn, b);
    }

    public Config withRpn(RegionProposalNetwork.Config r) {
      return new Config(numClasses, minSize, maxSize, r, boxes);
    }
  }

  /**
   * Training settings of both stages.
   *
   * @param rpn anchor matching, sampling and training-time proposal counts
   * @param boxes proposal matching and sampling of the box head
   */
  public record TrainingConfig(RegionProposalNetwork.Training rpn, RoIHeads.Training boxes) {
    /** torchvision's defaults: 256 anchors (50% positive), 2000 proposals, 512 RoIs (25% positive). */
    public static final TrainingConfig DEFAULTS =
        new TrainingConfig(RegionProposalNetwork.Training.DEFAULTS, RoIHeads.Training.DEFAULTS);
  }

  /** Ground truth of one image: boxes {@code [K, 4]} in its own frame and int64 labels {@code [K]} (1-based). */
  public record Target(Tensor boxes, Tensor labels) {
  }

  /** Names of the four training losses, in torchvision's dict order. */
  public static final List<String> LOSS_NAMES =
      List.of("loss_objectness", "loss_rpn_box_reg", "loss_classifier", "loss_box_reg");

  /**
   * The architecture of a variant (a table entry rather than a subclass).
   *
   * @param backbone builds {@code backbone}
   * @param anchors anchor sizes and ratios per pyramid level
   * @param channels FPN channels
   * @param representation width of the box head's two fully connected layers
   */
  private record Architecture(java.util.function.Supplier<Backbone> backbone, AnchorGenerator anchors, int channels,
      int representation) {
  }

  /** Intermediate results of one forward pass, for inspection. */
  public record Trace(GeneralizedRCNNTransform.ImageBatch batch, List<Tensor> features,
      RegionProposalNetwork.Proposals proposals, List<Detections> resizedDetections, List<Detections> detections) {
  }

  private static final int POOL = 7;
  private static final int SAMPLING_RATIO = 2;

  private final Backbone backbone;
  private final RegionProposalNetwork rpn;
  private final RoIHeads roiHeads;
  private final GeneralizedRCNNTransform transform;
  private final Config config;

  /** torchvision's {@code fasterrcnn_resnet50_fpn}. */
  public static FasterRCNN resnet50Fpn(Config config) {
    return fpn(config, new ResNet(new ResNet.Config(ResNet.Block.BOTTLENECK, new int[] {3, 4, 6, 3}, 1, 64),
        ModelOptions.defaults().featuresOnly()));
  }

  /**
   * {@link #resnet50Fpn}'s architecture (FPN of 256 channels, anchors of 32 to 512 px, box head of
   * width 1024) on the last four feature maps of {@code body}, an RGB backbone ({@code layer1..4}
   * for a ResNet; e.g. strides 4 to 32 of {@code mobilenet_v3_large}), registered as {@code
   * backbone.body}.
   */
  public static FasterRCNN fpn(Config config, ImageClassifier body) {
    Architecture a = new Architecture(() -> new Backbone(body, body.featureIndices(-4, -3, -2, -1), 256),
        AnchorGenerator.fasterRcnnFpn(), 256, 1024);
    return new FasterRCNN(config, a, RegionProposalNetwork.Objectness.SIGMOID);
  }

  /** Settings of the light variant for the 128 px shapes scenes (7 classes with background). */
  public static final Config LIGHT_SHAPES = new Config(7, 128, 128,
      new RegionProposalNetwork.Config(300, 100, 0.7, 0.0, 1e-3), RoIHeads.Config.DEFAULTS);

  /**
   * Training settings of the light variant: fewer proposals, and 64 sampled RoIs per image (the
   * scenes hold at most four objects; RoI Align of the samples dominates the box head's cost).
   */
  public static final TrainingConfig LIGHT_TRAINING = new TrainingConfig(
      new RegionProposalNetwork.Training(Matcher.rpn(), new BalancedSampler(256, 0.5), 600, 300),
      new RoIHeads.Training(Matcher.boxHead(), new BalancedSampler(64, 0.25)));

  /**
   * The light variant: ResNet-18 ({@code resnet18} from the model registry) with an FPN of 128
   * channels on {@code layer2..4} (strides 8, 16, 32, plus the max-pooled level), anchors of 16,
   * 32, 64 and 128 px (one size per level, ratios 0.5, 1, 2), and a box head of width 256.
   */
  public static FasterRCNN light(Config config, RegionProposalNetwork.Objectness objectness) {
    double[][] sizes = {{16}, {32}, {64}, {128}};
    double[][] ratios = new double[sizes.length][];
    Arrays.fill(ratios, new double[] {0.5, 1.0, 2.0});
    Architecture a = new Architecture(() -> {
      ImageClassifier trunk = Models.create("resnet18", ModelOptions.defaults().featuresOnly());
      return new Backbone(trunk, trunk.featureIndices(-3, -2, -1), 128);
    }, new AnchorGenerator(sizes, ratios), 128, 256);
    return new FasterRCNN(config, a, objectness);
  }

  private FasterRCNN(Config config, Architecture a, RegionProposalNetwork.Objectness objectness) {
    backbone = register("backbone", a.backbone().get());
    rpn = register("rpn", new RegionProposalNetwork(a.anchors(), a.channels(), config.rpn(), objectness));
    roiHeads = register("roi_heads", new RoIHeads(new MultiScaleRoIAlign(POOL, SAMPLING_RATIO),
        a.channels() * POOL * POOL, a.representation(), config.numClasses(), config.boxes()));
    transform = GeneralizedRCNNTransform.imagenet(config.minSize(), config.maxSize());
    this.config = config;
  }

  public Config config() {
    return config;
  }

  public GeneralizedRCNNTransform transform() {
    return transform;
  }

  public RegionProposalNetwork rpn() {
    return rpn;
  }

  public RoIHeads roiHeads() {
    return roiHeads;
  }

  /** FPN levels {@code 0..3} and {@code pool} of a padded batch. */
  public List<Tensor> features(Tensor batch) {
    return backbone.forward(batch);
  }

  /** The four pyramid levels the box head pools from (all but {@code pool}). */
  public static List<Tensor> poolingLevels(List<Tensor> features) {
    return features.subList(0, features.size() - 1);
  }

  /** Detects objects in images {@code [3, H, W]} (values in [0, 1]); boxes in each image's own frame. */
  public List<Detections> detect(List<Tensor> images) {
    return trace(images).detections();
  }

  /** {@link #detect} keeping every intermediate result. */
  public Trace trace(List<Tensor> images) {
    GeneralizedRCNNTransform.ImageBatch batch = transform.apply(images);
    List<Tensor> features = features(batch.tensors());
    RegionProposalNetwork.Proposals proposals = rpn.forward(batch.tensors(), features, batch.imageSizes());
    List<Detections> resized = roiHeads.forward(poolingLevels(features), proposals.boxes(), batch.imageSizes());
    List<Detections> out = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      long[] original = {images.get(i).size(1), images.get(i).size(2)};
      out.add(GeneralizedRCNNTransform.postprocess(resized.get(i), batch.imageSizes()[i], original));
    }
    return new Trace(batch, features, proposals, resized, out);
  }

  /**
   * The training forward pass (torchvision's {@code GeneralizedRCNN.forward} in training mode):
   * images and their ground truth are resized and batched, the RPN proposes and computes its
   * losses, and the box head is trained on proposals sampled from those (plus the ground truth).
   * Call in training mode; {@code rng} drives the anchor and proposal sampling.
   *
   * @return the four losses by {@link #LOSS_NAMES}
   */
  public Map<String, Tensor> losses(List<Tensor> images, List<Target> targets, TrainingConfig training, Random rng) {
    if (images.size() != targets.size()) {
      throw new IllegalArgumentException("faster r-cnn: " + images.size() + " images but " + targets.size() + " targets");
    }
    GeneralizedRCNNTransform.ImageBatch batch = transform.apply(images);
    List<Tensor> boxes = new ArrayList<>();
    List<Tensor> labels = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      Target t = targets.get(i);
      BoxOps.checkBoxes(t.boxes(), "ground-truth boxes of image " + i);
      if (t.labels().dim() != 1 || t.labels().size(0) != t.boxes().size(0)) {
        throw new IllegalArgumentException("faster r-cnn: image " + i + " has " + t.boxes().size(0)
            + " boxes but labels " + Tensors.describe(t.labels()));
      }
      long[] original = {images.get(i).size(1), images.get(i).size(2)};
      boxes.add(GeneralizedRCNNTransform.resizeBoxes(t.boxes(), original, batch.imageSizes()[i]));
      labels.add(t.labels());
    }
    List<Tensor> features = features(batch.tensors());
    RegionProposalNetwork.TrainingOutput r = rpn.forwardTraining(batch.tensors(), features, batch.imageSizes(), boxes,
        training.rpn(), rng);
    RoIHeads.Losses b = roiHeads.forwardTraining(poolingLevels(features), r.proposals().boxes(), batch.imageSizes(),
        boxes, labels, training.boxes(), rng);
    Map<String, Tensor> out = new LinkedHashMap<>();
    out.put(LOSS_NAMES.get(0), r.objectnessLoss());
    out.put(LOSS_NAMES.get(1), r.boxLoss());
    out.put(LOSS_NAMES.get(2), b.classifier());
    out.put(LOSS_NAMES.get(3), b.boxReg());
    return out;
  }

  /** A body returning its feature maps at {@code taps}, and the FPN on top. */
  static final class Backbone extends Module {
    private final ImageClassifier body;
    private final FeaturePyramidNetwork fpn;
    private final int[] taps;

    /**
     * @param taps the feature maps fed to the FPN ({@link ImageClassifier#featureIndices})
     * @param channels the FPN's channels
     */
    Backbone(ImageClassifier body, int[] taps, int channels) {
      this.body = register("body", body);
      this.taps = taps.clone();
      int[] stageChannels = Arrays.stream(taps).map(i -> body.featureInfo().get(i).channels()).toArray();
      fpn = register("fpn", new FeaturePyramidNetwork(stageChannels, channels));
    }

    List<Tensor> forward(Tensor x) {
      if (x.dim() != 4 || x.size(1) != 3) {
        throw new IllegalArgumentException(path() + ": expected a batch [N, 3, H, W], got " + Tensors.describe(x));
      }
      return fpn.forward(body.forwardFeatureMaps(x, taps));
    }
  }
}
