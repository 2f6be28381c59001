package io.nets4j.detection;

import io.nets4j.nn.Activation;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Module;
import io.nets4j.nn.Sequential;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import io.nets4j.nn.F;
import io.nets4j.nn.Init;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Region Proposal Network (Ren et al. 2015, "Faster R-CNN: Towards Real-Time Object Detection with
 * Region Proposal Networks"), as torchvision's {@code RegionProposalNetwork}: a shared head scores
 * and regresses the anchors of every level; the best {@code preNmsTopN} anchors of each level are
 * decoded, clipped, filtered by size and score, and non-maximum suppressed within their level; the
 * {@code postNmsTopN} best survive.
 *
 * <p>Training ({@link #forwardTraining}) matches anchors to the ground truth ({@link Matcher#rpn}),
 * samples 256 anchors per image with up to half positives, and returns the objectness loss over
 * the sampled anchors and the smooth-L1 box loss ({@code beta = 1/9}) over the sampled positives,
 * both normalised by the number of sampled anchors, as torchvision.
 *
 * <p>The objectness has two forms ({@link Objectness}): torchvision's one sigmoid logit per anchor,
 * or the paper's two-class softmax ({@code 2A} scores per location, the original Caffe layout:
 * all background scores, then all foreground ones). For the softmax form the proposal score is
 * {@code softmax(bg, fg)[fg] = sigmoid(fg - bg)}, so both forms share the post-processing.
 */
public final class RegionProposalNetwork extends Module {
  /**
   * Proposal post-processing settings (torchvision's test-time defaults in {@link #DEFAULTS}).
   *
   * @param preNmsTopN anchors kept per level before NMS
   * @param postNmsTopN proposals kept per image after NMS
   * @param nmsThresh IoU above which NMS suppresses
   * @param scoreThresh minimum objectness probability
   * @param minSize minimum proposal width and height
   */
  public record Config(int preNmsTopN, int postNmsTopN, double nmsThresh, double scoreThresh, double minSize) {
    public static final Config DEFAULTS = new Config(1000, 1000, 0.7, 0.0, 1e-3);
  }

  /** How the head scores objectness. */
  public enum Objectness {
    /** One logit per anchor and binary cross-entropy (torchvision). */
    SIGMOID(1),
    /** Background and foreground scores per anchor and a two-class softmax (Ren et al. 2015). */
    SOFTMAX(2);

    final int scoresPerAnchor;

    Objectness(int scoresPerAnchor) {
      this.scoresPerAnchor = scoresPerAnchor;
    }
  }

  /**
   * Training settings (torchvision's defaults in {@link #DEFAULTS}).
   *
   * @param matcher anchor-to-ground-truth matching
   * @param sampler anchors per image and positive fraction of the loss minibatch
   * @param preNmsTopN anchors kept per level before NMS when proposing during training
   * @param postNmsTopN proposals kept per image after NMS during training
   */
  public record Training(Matcher matcher, BalancedSampler sampler, int preNmsTopN, int postNmsTopN) {
    public static final Training DEFAULTS = new Training(Matcher.rpn(), new BalancedSampler(256, 0.5), 2000, 2000);
  }

  /** torchvision's smooth-L1 transition point for both box losses. */
  public static final double SMOOTH_L1_BETA = 1.0 / 9;

  /** Proposals of a training pass (detached) and the two RPN losses. */
  public record TrainingOutput(Proposals proposals, Tensor objectnessLoss, Tensor boxLoss) {
  }

  /**
   * Per-level head outputs: objectness {@code [N, A, H, W]} (sigmoid form) or {@code [N, 2A, H, W]}
   * (softmax form), and deltas {@code [N, 4A, H, W]}.
   */
  public record HeadOutput(List<Tensor> objectness, List<Tensor> deltas) {
  }

  /** Proposals {@code [K_i, 4]} and their objectness probabilities for each image. */
  public record Proposals(List<Tensor> boxes, List<Tensor> scores) {
  }

  private final Head head;
  private final AnchorGenerator anchors;
  private final BoxCoder coder = new BoxCoder(1, 1, 1, 1);
  private final Config config;
  private final Objectness objectness;

  /** torchvision's RPN (sigmoid objectness). */
  public RegionProposalNetwork(AnchorGenerator anchors, int channels, Config config) {
    this(anchors, channels, config, Objectness.SIGMOID);
  }

  public RegionProposalNetwork(AnchorGenerator anchors, int channels, Config config, Objectness objectness) {
    this.anchors = anchors;
    this.config = config;
    this.objectness = objectness;
    int[] perLocation = anchors.anchorsPerLocation();
    for (int a : perLocation) {
      if (a != perLocation[0]) {
        throw new IllegalArgumentException("the RPN head shares its layers across levels: every level needs the"
            + " same number of anchors per location");
      }
    }
    head = register("head", new Head(channels, perLocation[0], objectness));
  }

  public Objectness objectness() {
    return objectness;
  }

  public Head head() {
    return head;
  }

  public AnchorGenerator anchorGenerator() {
    return anchors;
  }

  /** Anchors of one image of the padded batch {@code [N, C, H, W]} for the given feature levels. */
  public Tensor anchors(Tensor batch, List<Tensor> features) {
    long[][] grids = new long[features.size()][];
    for (int l = 0; l < grids.length; l++) {
      grids[l] = new long[] {features.get(l).size(2), features.get(l).size(3)};
    }
    return anchors.anchors(batch.size(2), batch.size(3), grids, Tensors.dtype(features.get(0)));
  }

  /** Proposals for each image; {@code imageSizes} are the unpadded {@code [h, w]} of each image. */
  public Proposals forward(Tensor batch, List<Tensor> features, long[][] imageSizes) {
    Flat flat = flatten(head.forward(features));
    return propose(flat, anchors(batch, features), imageSizes, config.preNmsTopN(), config.postNmsTopN());
  }

  /**
   * The training pass: proposals (detached, with the training top-N settings) and the losses
   * against the ground-truth boxes {@code [K_i, 4]} of each image (in the resized frame).
   */
  public TrainingOutput forwardTraining(Tensor batch, List<Tensor> features, long[][] imageSizes,
      List<Tensor> gtBoxes, Training training, Random rng) {
    if (gtBoxes.size() != batch.size(0)) {
      throw new IllegalArgumentException("rpn: " + gtBoxes.size() + " ground-truth box sets for a batch of "
          + batch.size(0) + " images");
    }
    Flat flat = flatten(head.forward(features));
    Tensor anchorsPerImage = anchors(batch, features);
    Proposals proposals = propose(flat, anchorsPerImage, imageSizes, training.preNmsTopN(), training.postNmsTopN());
    List<Tensor> sampledPos = new ArrayList<>();
    List<Tensor> sampledAll = new ArrayList<>();
    List<Tensor> labels = new ArrayList<>();
    List<Tensor> targets = new ArrayList<>();
    long perImage = anchorsPerImage.size(0);
    for (int i = 0; i < gtBoxes.size(); i++) {
      Tensor[] assigned = assignTargets(anchorsPerImage, gtBoxes.get(i).to(anchorsPerImage.scalar_type()), training.matcher());
      BalancedSampler.Sample s = training.sampler().sample(assigned[0], rng);
      sampledPos.add(s.positives().add(new Scalar(i * perImage)));
      sampledAll.add(Tensors.cat(List.of(s.positives(), s.negatives()), 0).add(new Scalar(i * perImage)));
      labels.add(assigned[0]);
      targets.add(coder.encode(assigned[1], anchorsPerImage));
    }
    Tensor pos = Tensors.cat(sampledPos, 0);
    Tensor all = Tensors.cat(sampledAll, 0);
    Tensor allLabels = Tensors.cat(labels, 0);
    Tensor allTargets = Tensors.cat(targets, 0);
    Tensor deltas = flat.deltas().reshape(-1, 4);
    Tensor boxLoss = torch.smooth_l1_loss(deltas.index_select(0, pos), allTargets.index_select(0, pos),
        REDUCTION_SUM, SMOOTH_L1_BETA).div(new Scalar(Math.max(1, all.size(0))));
    Tensor sampledLabels = allLabels.index_select(0, all);
    Tensor objectnessLoss = switch (objectness) {
      case SIGMOID -> torch.binary_cross_entropy_with_logits(flat.scores().reshape(-1).index_select(0, all),
          sampledLabels.to(flat.scores().scalar_type()));
      case SOFTMAX -> F.crossEntropy(flat.scores().reshape(-1, 2).index_select(0, all), sampledLabels.to(torch.ScalarType.Long));
    };
    return new TrainingOutput(proposals, objectnessLoss, boxLoss);
  }

  /**
   * Anchor labels ({@code 1} foreground, {@code 0} background, {@code -1} ignored) and the matched
   * ground-truth box of every anchor (torchvision's {@code assign_targets_to_anchors}); without
   * ground truth every anchor is background.
   */
  static Tensor[] assignTargets(Tensor anchors, Tensor gt, Matcher matcher) {
    BoxOps.checkBoxes(gt, "ground-truth boxes");
    if (gt.size(0) == 0) {
      return new Tensor[] {anchors.new_zeros(anchors.size(0)), anchors.new_zeros(anchors.size(0), 4)};
    }
    Tensor matches = matcher.match(BoxOps.boxIou(gt, anchors));
    Tensor matchedGt = gt.index_select(0, matches.clamp_min(new Scalar(0L)));
    Tensor labels = matches.ge(new Scalar(0L)).to(anchors.scalar_type());
    labels = labels.masked_fill(matches.eq(new Scalar(Matcher.BETWEEN)), new Scalar(-1.0));
    return new Tensor[] {labels, matchedGt};
  }

  private static final long REDUCTION_SUM = 2;

  /** Head outputs of all levels flattened to anchor order: scores {@code [N, anchors, k]}, deltas {@code [N, anchors, 4]}. */
  private record Flat(Tensor scores, Tensor deltas, long[] perLevel) {
  }

  private Flat flatten(HeadOutput out) {
    int levels = out.objectness().size();
    List<Tensor> scores = new ArrayList<>();
    List<Tensor> deltas = new ArrayList<>();
    long[] perLevel = new long[levels];
    int k = objectness.scoresPerAnchor;
    for (int l = 0; l < levels; l++) {
      Tensor o = out.objectness().get(l);
      Tensor d = out.deltas().get(l);
      long n = o.size(0);
      long a = o.size(1) / k;
      perLevel[l] = a * o.size(2) * o.size(3);
      // [N, k*A, H, W] -> [N, H*W*A, k]: anchors ordered by cell, then by anchor, like the anchor grid;
      // the softmax form holds all A background scores first, then the A foreground ones.
      scores.add(o.view(n, k, a, o.size(2), o.size(3)).permute(0, 3, 4, 2, 1).reshape(n, -1, k));
      deltas.add(d.view(n, -1, 4, d.size(2), d.size(3)).permute(0, 3, 4, 1, 2).reshape(n, -1, 4));
    }
    return new Flat(Tensors.cat(scores, 1),
        Tensors.cat(deltas, 1), perLevel);
  }

  /** One logit per anchor {@code [N, anchors]} whose sigmoid is the objectness probability. */
  private Tensor objectnessLogits(Tensor scores) {
    return switch (objectness) {
      case SIGMOID -> scores.select(2, 0);
      case SOFTMAX -> scores.select(2, 1).sub(scores.select(2, 0));
    };
  }

  private Proposals propose(Flat flat, Tensor anchorsPerImage, long[][] imageSizes, int preNmsTopN, int postNmsTopN) {
    Tensor logits = objectnessLogits(flat.scores()).detach();
    Tensor codes = flat.deltas().detach();
    List<Tensor> boxes = new ArrayList<>();
    List<Tensor> probs = new ArrayList<>();
    for (int i = 0; i < logits.size(0); i++) {
      Tensor decoded = coder.decode(codes.select(0, i), anchorsPerImage);
      Tensor[] kept = filter(decoded, logits.select(0, i), flat.perLevel(), imageSizes[i], preNmsTopN, postNmsTopN);
      boxes.add(kept[0]);
      probs.add(kept[1]);
    }
    return new Proposals(boxes, probs);
  }

  private Tensor[] filter(Tensor proposals, Tensor objectness, long[] perLevel, long[] imageSize, int preNmsTopN,
      int postNmsTopN) {
    List<Tensor> top = new ArrayList<>();
    List<Tensor> levels = new ArrayList<>();
    long offset = 0;
    for (int l = 0; l < perLevel.length; l++) {
      Tensor level = objectness.narrow(0, offset, perLevel[l]);
      long k = Math.min(preNmsTopN, perLevel[l]);
      Tensor idx = Tensors.owned(level.topk(k))[1].add(new Scalar(offset));
      top.add(idx);
      levels.add(torch.full(new long[] {k}, new Scalar((long) l),
          new org.bytedeco.pytorch.TensorOptions().dtype(new org.bytedeco.pytorch.ScalarTypeOptional(torch.ScalarType.Long))));
      offset += perLevel[l];
    }
    Tensor idx = Tensors.cat(top, 0);
    Tensor lvl = Tensors.cat(levels, 0);
    Tensor boxes = BoxOps.clipToImage(proposals.index_select(0, idx), imageSize[0], imageSize[1]);
    Tensor scores = objectness.index_select(0, idx).sigmoid();
    Tensor keep = BoxOps.removeSmallBoxes(boxes, config.minSize());
    boxes = boxes.index_select(0, keep);
    scores = scores.index_select(0, keep);
    lvl = lvl.index_select(0, keep);
    keep = scores.ge(new Scalar(config.scoreThresh())).nonzero().select(1, 0);
    boxes = boxes.index_select(0, keep);
    scores = scores.index_select(0, keep);
    lvl = lvl.index_select(0, keep);
    keep = BoxOps.batchedNms(boxes, scores, lvl, config.nmsThresh());
    keep = keep.narrow(0, 0, Math.min(postNmsTopN, keep.size(0)));
    return new Tensor[] {boxes.index_select(0, keep), scores.index_select(0, keep)};
  }

  /**
   * The RPN head, shared by all levels: a 3x3 convolution with ReLU ({@code conv.0}, torchvision's
   * {@code Conv2dNormActivation} without norm), then 1x1 objectness ({@code cls_logits}) and box
   * regression ({@code bbox_pred}) convolutions; {@code cls_logits} has one output per anchor
   * (sigmoid form) or two (softmax form).
   */
  public static final class Head extends Module {
    private final Sequential conv;
    private final Conv2d clsLogits;
    private final Conv2d bboxPred;
    private final int channels;

    Head(int channels, int anchorsPerLocation, Objectness objectness) {
      this.channels = channels;
      conv = register("conv", new Sequential(new Sequential(
          new Conv2d(channels, channels, ConvSpec.kernel(3).padding(1)), Activation.relu())));
      clsLogits = register("cls_logits", new Conv2d(channels, objectness.scoresPerAnchor * anchorsPerLocation,
          ConvSpec.kernel(1)));
      bboxPred = register("bbox_pred", new Conv2d(channels, 4 * anchorsPerLocation, ConvSpec.kernel(1)));
      // torchvision's RPNHead init: N(0, 0.01) weights and zero biases, so that training starts from
      // near-zero deltas and even objectness.
      for (Module m : namedModules().values()) {
        if (m instanceof Conv2d c) {
          Init.normal(c.weight(), 0, 0.01);
          Init.zeros(c.bias());
        }
      }
    }

    public HeadOutput forward(List<Tensor> features) {
      List<Tensor> logits = new ArrayList<>();
      List<Tensor> deltas = new ArrayList<>();
      for (int l = 0; l < features.size(); l++) {
        Tensor x = features.get(l);
        if (x.dim() != 4 || x.size(1) != channels) {
          throw new IllegalArgumentException(path() + ": level " + l + " must be [N, " + channels
              + ", H, W], got " + Tensors.describe(x));
        }
        Tensor t = conv.forward(x);
        logits.add(clsLogits.forward(t));
        deltas.add(bboxPred.forward(t));
      }
      return new HeadOutput(logits, deltas);
    }
  }

}
