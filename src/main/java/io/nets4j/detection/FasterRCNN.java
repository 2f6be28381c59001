package io.nets4j.detection;

import io.nets4j.models.ModelOptions;
import io.nets4j.models.ResNet;
import io.nets4j.nn.Layer;
import io.nets4j.nn.Module;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Faster R-CNN (Ren et al. 2015, "Faster R-CNN: Towards Real-Time Object Detection with Region
 * Proposal Networks") with a ResNet-50 + FPN backbone (Lin et al. 2017), in torchvision's structure
 * and parameter names ({@code fasterrcnn_resnet50_fpn}): {@code backbone.body} (ResNet-50 without
 * its head), {@code backbone.fpn}, {@code rpn.head}, {@code roi_heads.box_head} and
 * {@code roi_heads.box_predictor}. Inference only.
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
  }

  /** Intermediate results of one forward pass, for inspection. */
  public record Trace(GeneralizedRCNNTransform.ImageBatch batch, List<Tensor> features,
      RegionProposalNetwork.Proposals proposals, List<Detections> resizedDetections, List<Detections> detections) {
  }

  private static final int FPN_CHANNELS = 256;
  private static final int POOL = 7;

  private final Backbone backbone;
  private final RegionProposalNetwork rpn;
  private final RoIHeads roiHeads;
  private final GeneralizedRCNNTransform transform;

  /** torchvision's {@code fasterrcnn_resnet50_fpn}. */
  public static FasterRCNN resnet50Fpn(Config config) {
    return new FasterRCNN(config);
  }

  private FasterRCNN(Config config) {
    backbone = register("backbone", new Backbone());
    rpn = register("rpn", new RegionProposalNetwork(AnchorGenerator.fasterRcnnFpn(), FPN_CHANNELS, config.rpn()));
    roiHeads = register("roi_heads", new RoIHeads(new MultiScaleRoIAlign(POOL, 2), FPN_CHANNELS * POOL * POOL,
        1024, config.numClasses(), config.boxes()));
    transform = GeneralizedRCNNTransform.imagenet(config.minSize(), config.maxSize());
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

  /** ResNet-50 body returning the outputs of its four stages, and the FPN on top. */
  static final class Backbone extends Module {
    private final ResNet body;
    private final FeaturePyramidNetwork fpn;

    Backbone() {
      body = register("body", new ResNet(new ResNet.Config(ResNet.Block.BOTTLENECK, new int[] {3, 4, 6, 3}, 1, 64),
          ModelOptions.defaults().featuresOnly()));
      fpn = register("fpn", new FeaturePyramidNetwork(new int[] {256, 512, 1024, 2048}, FPN_CHANNELS));
    }

    List<Tensor> forward(Tensor x) {
      if (x.dim() != 4 || x.size(1) != 3) {
        throw new IllegalArgumentException(path() + ": expected a batch [N, 3, H, W], got " + Tensors.describe(x));
      }
      Tensor y = x;
      for (String stem : new String[] {"conv1", "bn1", "relu", "maxpool"}) {
        y = child(stem).forward(y);
      }
      List<Tensor> stages = new ArrayList<>();
      for (int s = 1; s <= 4; s++) {
        y = child("layer" + s).forward(y);
        stages.add(y);
      }
      return fpn.forward(stages);
    }

    private Layer child(String name) {
      return (Layer) body.children().get(name);
    }
  }
}
