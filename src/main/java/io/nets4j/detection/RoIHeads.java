package io.nets4j.detection;

import io.nets4j.nn.F;
import io.nets4j.nn.Layer;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Module;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The Fast R-CNN box branch of Faster R-CNN (Girshick 2015, "Fast R-CNN"), as torchvision's
 * {@code RoIHeads}: multi-scale RoI Align of the proposals, two fully connected layers
 * ({@code box_head.fc6, fc7}), per-class scores and box deltas ({@code box_predictor}), then per
 * class: decoding with weights (10, 10, 5, 5), clipping, score and size filtering and NMS.
 *
 * <p>Training ({@link #forwardTraining}) adds the ground-truth boxes to each image's proposals,
 * matches them at IoU 0.5 ({@link Matcher#boxHead}), samples 512 per image with up to 25%
 * foreground, and returns the cross-entropy over the classes and the smooth-L1 loss
 * ({@code beta = 1/9}) of the ground-truth class's deltas over the foreground samples, divided by
 * the number of samples (torchvision's {@code fastrcnn_loss}).
 */
public final class RoIHeads extends Module {
  /**
   * @param scoreThresh keep class scores strictly above this
   * @param nmsThresh IoU of the per-class NMS
   * @param detectionsPerImage keep at most this many detections per image
   */
  public record Config(double scoreThresh, double nmsThresh, int detectionsPerImage) {
    public static final Config DEFAULTS = new Config(0.05, 0.5, 100);
  }

  /**
   * Training settings (torchvision's defaults in {@link #DEFAULTS}).
   *
   * @param matcher proposal-to-ground-truth matching
   * @param sampler proposals per image and foreground fraction of the loss minibatch
   */
  public record Training(Matcher matcher, BalancedSampler sampler) {
    public static final Training DEFAULTS = new Training(Matcher.boxHead(), new BalancedSampler(512, 0.25));
  }

  /** The two box-head losses. */
  public record Losses(Tensor classifier, Tensor boxReg) {
  }

  /** Sampled proposals of a batch with their class labels and regression targets. */
  record Samples(List<Tensor> proposals, Tensor labels, Tensor regressionTargets) {
  }

  private static final double MIN_BOX_SIZE = 1e-2;
  private static final long REDUCTION_SUM = 2;

  private final MultiScaleRoIAlign pool;
  private final TwoMLPHead boxHead;
  private final FastRCNNPredictor boxPredictor;
  private final BoxCoder coder = new BoxCoder(10, 10, 5, 5);
  private Config config;

  public RoIHeads(MultiScaleRoIAlign pool, int pooledFeatures, int representation, int numClasses, Config config) {
    this.pool = pool;
    this.config = config;
    boxHead = register("box_head", new TwoMLPHead(pooledFeatures, representation));
    boxPredictor = register("box_predictor", new FastRCNNPredictor(representation, numClasses));
  }

  public Config config() {
    return config;
  }

  /** Changes the detection settings (e.g. a lower score threshold for an evaluation). */
  public void setConfig(Config config) {
    this.config = java.util.Objects.requireNonNull(config);
  }

  /** Detections for each image, in the frame of {@code imageSizes} (the resized images). */
  public List<Detections> forward(List<Tensor> features, List<Tensor> proposals, long[][] imageSizes) {
    Tensor pooled = pool.forward(features, proposals, imageSizes);
    Tensor x = boxHead.forward(pooled);
    Tensor classLogits = boxPredictor.scores(x);
    Tensor deltas = boxPredictor.deltas(x);
    long numClasses = classLogits.size(1);
    Tensor all = Tensors.cat(proposals, 0);
    Tensor boxes = coder.decode(deltas, all).reshape(all.size(0), numClasses, 4);
    Tensor probs = F.softmax(classLogits, -1);
    List<Detections> out = new ArrayList<>();
    long offset = 0;
    for (int i = 0; i < proposals.size(); i++) {
      long n = proposals.get(i).size(0);
      out.add(postprocess(boxes.narrow(0, offset, n), probs.narrow(0, offset, n), imageSizes[i]));
      offset += n;
    }
    return out;
  }

  /**
   * The training pass: losses of the sampled proposals against the ground truth, boxes
   * {@code [K_i, 4]} (resized frame) and int64 labels {@code [K_i]} (1-based) of each image.
   */
  public Losses forwardTraining(List<Tensor> features, List<Tensor> proposals, long[][] imageSizes,
      List<Tensor> gtBoxes, List<Tensor> gtLabels, Training training, Random rng) {
    Samples samples = sample(proposals, gtBoxes, gtLabels, training, rng);
    Tensor x = boxHead.forward(pool.forward(features, samples.proposals(), imageSizes));
    Tensor classLogits = boxPredictor.scores(x);
    Tensor deltas = boxPredictor.deltas(x);
    Tensor labels = samples.labels();
    Tensor classifier = F.crossEntropy(classLogits, labels);
    long numClasses = classLogits.size(1);
    Tensor pos = labels.gt(new Scalar(0L)).nonzero().select(1, 0);
    // Row pos * C + label of the [N * C, 4] deltas: the regression of each foreground sample's own class.
    Tensor rows = pos.mul(new Scalar(numClasses)).add(labels.index_select(0, pos));
    Tensor boxReg = torch.smooth_l1_loss(deltas.reshape(-1, 4).index_select(0, rows),
        samples.regressionTargets().index_select(0, pos), REDUCTION_SUM, RegionProposalNetwork.SMOOTH_L1_BETA)
        .div(new Scalar(Math.max(1, labels.size(0))));
    return new Losses(classifier, boxReg);
  }

  /**
   * torchvision's {@code select_training_samples}: ground truth appended to the proposals,
   * matching, labels ({@code 0} background), balanced sampling and regression targets.
   */
  Samples sample(List<Tensor> proposals, List<Tensor> gtBoxes, List<Tensor> gtLabels, Training training, Random rng) {
    if (gtBoxes.size() != proposals.size() || gtLabels.size() != proposals.size()) {
      throw new IllegalArgumentException("roi_heads: " + proposals.size() + " proposal sets but " + gtBoxes.size()
          + " box sets and " + gtLabels.size() + " label sets");
    }
    List<Tensor> sampled = new ArrayList<>();
    List<Tensor> labels = new ArrayList<>();
    List<Tensor> targets = new ArrayList<>();
    for (int i = 0; i < proposals.size(); i++) {
      Tensor gt = gtBoxes.get(i).to(proposals.get(i).scalar_type());
      Tensor gl = gtLabels.get(i);
      BoxOps.checkBoxes(gt, "ground-truth boxes of image " + i);
      if (gl.dim() != 1 || gl.size(0) != gt.size(0)) {
        throw new IllegalArgumentException("roi_heads: image " + i + " has " + gt.size(0) + " boxes but labels "
            + Tensors.describe(gl));
      }
      Tensor props = Tensors.cat(List.of(proposals.get(i), gt), 0);
      Tensor imageLabels;
      Tensor matchedGt;
      if (gt.size(0) == 0) {
        imageLabels = props.new_zeros(props.size(0)).to(torch.ScalarType.Long);
        matchedGt = props;
      } else {
        Tensor matches = training.matcher().match(BoxOps.boxIou(gt, props));
        Tensor clamped = matches.clamp_min(new Scalar(0L));
        matchedGt = gt.index_select(0, clamped);
        imageLabels = gl.to(torch.ScalarType.Long).index_select(0, clamped)
            .masked_fill(matches.eq(new Scalar(Matcher.BELOW_LOW)), new Scalar(0L))
            .masked_fill(matches.eq(new Scalar(Matcher.BETWEEN)), new Scalar(-1L));
      }
      BalancedSampler.Sample s = training.sampler().sample(imageLabels, rng);
      Tensor idx = Tensors.cat(List.of(s.positives(), s.negatives()), 0);
      Tensor chosen = props.index_select(0, idx);
      sampled.add(chosen);
      labels.add(imageLabels.index_select(0, idx));
      targets.add(coder.encode(matchedGt.index_select(0, idx), chosen));
    }
    return new Samples(sampled, Tensors.cat(labels, 0),
        Tensors.cat(targets, 0));
  }

  private Detections postprocess(Tensor boxes, Tensor scores, long[] imageSize) {
    long numClasses = scores.size(1);
    Tensor clipped = BoxOps.clipToImage(boxes, imageSize[0], imageSize[1]);
    Tensor labels = torch.arange(new org.bytedeco.pytorch.Scalar(numClasses)).view(1, -1).expand_as(scores);
    // Drop the background class 0.
    Tensor b = clipped.narrow(1, 1, numClasses - 1).reshape(-1, 4);
    Tensor s = scores.narrow(1, 1, numClasses - 1).reshape(-1);
    Tensor l = labels.narrow(1, 1, numClasses - 1).reshape(-1);
    return Detections.select(b, s, l, config.scoreThresh(), MIN_BOX_SIZE, config.nmsThresh(),
        config.detectionsPerImage());
  }

  /** Two fully connected layers with ReLU on the flattened pooled features ({@code fc6}, {@code fc7}). */
  public static final class TwoMLPHead extends Layer {
    private final Linear fc6;
    private final Linear fc7;

    TwoMLPHead(int in, int representation) {
      fc6 = register("fc6", new Linear(in, representation));
      fc7 = register("fc7", new Linear(representation, representation));
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor flat = F.flatten(x, 1);
      if (flat.size(1) != fc6.inFeatures()) {
        throw fail("expected " + fc6.inFeatures() + " pooled features per box, got " + Tensors.describe(x));
      }
      return F.relu(fc7.forward(F.relu(fc6.forward(flat))));
    }
  }

  /** Class scores ({@code cls_score}) and per-class box deltas ({@code bbox_pred}). */
  public static final class FastRCNNPredictor extends Module {
    private final Linear clsScore;
    private final Linear bboxPred;

    FastRCNNPredictor(int in, int numClasses) {
      clsScore = register("cls_score", new Linear(in, numClasses));
      bboxPred = register("bbox_pred", new Linear(in, 4 * numClasses));
    }

    public Tensor scores(Tensor x) {
      return clsScore.forward(F.flatten(x, 1));
    }

    public Tensor deltas(Tensor x) {
      return bboxPred.forward(F.flatten(x, 1));
    }
  }
}
