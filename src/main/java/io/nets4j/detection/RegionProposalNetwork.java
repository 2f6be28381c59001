package io.nets4j.detection;

import io.nets4j.nn.Activation;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Module;
import io.nets4j.nn.Sequential;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Region Proposal Network (Ren et al. 2015, "Faster R-CNN: Towards Real-Time Object Detection with
 * Region Proposal Networks"), inference path, as torchvision's {@code RegionProposalNetwork}: a
 * shared head scores and regresses the anchors of every level; the best {@code preNmsTopN} anchors
 * of each level are decoded, clipped, filtered by size and score, and non-maximum suppressed within
 * their level; the {@code postNmsTopN} best survive.
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

  /** Per-level head outputs: objectness {@code [N, A, H, W]} and deltas {@code [N, 4A, H, W]}. */
  public record HeadOutput(List<Tensor> objectness, List<Tensor> deltas) {
  }

  /** Proposals {@code [K_i, 4]} and their objectness probabilities for each image. */
  public record Proposals(List<Tensor> boxes, List<Tensor> scores) {
  }

  private final Head head;
  private final AnchorGenerator anchors;
  private final BoxCoder coder = new BoxCoder(1, 1, 1, 1);
  private final Config config;

  public RegionProposalNetwork(AnchorGenerator anchors, int channels, Config config) {
    this.anchors = anchors;
    this.config = config;
    int[] perLocation = anchors.anchorsPerLocation();
    for (int a : perLocation) {
      if (a != perLocation[0]) {
        throw new IllegalArgumentException("the RPN head shares its layers across levels: every level needs the"
            + " same number of anchors per location");
      }
    }
    head = register("head", new Head(channels, perLocation[0]));
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
    HeadOutput out = head.forward(features);
    Tensor anchorsPerImage = anchors(batch, features);
    int images = (int) batch.size(0);
    List<Tensor> scores = new ArrayList<>();
    List<Tensor> deltas = new ArrayList<>();
    long[] perLevel = new long[features.size()];
    for (int l = 0; l < features.size(); l++) {
      Tensor o = out.objectness().get(l);
      Tensor d = out.deltas().get(l);
      perLevel[l] = o.size(1) * o.size(2) * o.size(3);
      // [N, A, H, W] -> [N, H*W*A]: anchors ordered by cell, then by anchor, like the anchor grid.
      scores.add(o.permute(0, 2, 3, 1).reshape(images, -1));
      deltas.add(d.view(images, -1, 4, d.size(2), d.size(3)).permute(0, 3, 4, 1, 2).reshape(images, -1, 4));
    }
    Tensor objectness = torch.cat(new TensorVector(scores.toArray(new Tensor[0])), 1).detach();
    Tensor codes = torch.cat(new TensorVector(deltas.toArray(new Tensor[0])), 1).detach();
    List<Tensor> boxes = new ArrayList<>();
    List<Tensor> probs = new ArrayList<>();
    for (int i = 0; i < images; i++) {
      Tensor decoded = coder.decode(codes.select(0, i), anchorsPerImage);
      Tensor[] kept = filter(decoded, objectness.select(0, i), perLevel, imageSizes[i]);
      boxes.add(kept[0]);
      probs.add(kept[1]);
    }
    return new Proposals(boxes, probs);
  }

  private Tensor[] filter(Tensor proposals, Tensor objectness, long[] perLevel, long[] imageSize) {
    List<Tensor> top = new ArrayList<>();
    List<Tensor> levels = new ArrayList<>();
    long offset = 0;
    for (int l = 0; l < perLevel.length; l++) {
      Tensor level = objectness.narrow(0, offset, perLevel[l]);
      long k = Math.min(config.preNmsTopN(), perLevel[l]);
      Tensor idx = level.topk(k).get1().add(new Scalar(offset));
      top.add(idx);
      levels.add(torch.full(new long[] {k}, new Scalar((long) l),
          new org.bytedeco.pytorch.TensorOptions().dtype(new org.bytedeco.pytorch.ScalarTypeOptional(torch.ScalarType.Long))));
      offset += perLevel[l];
    }
    Tensor idx = torch.cat(new TensorVector(top.toArray(new Tensor[0])), 0);
    Tensor lvl = torch.cat(new TensorVector(levels.toArray(new Tensor[0])), 0);
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
    keep = keep.narrow(0, 0, Math.min(config.postNmsTopN(), keep.size(0)));
    return new Tensor[] {boxes.index_select(0, keep), scores.index_select(0, keep)};
  }

  /**
   * The RPN head, shared by all levels: a 3x3 convolution with ReLU ({@code conv.0}, torchvision's
   * {@code Conv2dNormActivation} without norm), then 1x1 objectness ({@code cls_logits}) and box
   * regression ({@code bbox_pred}) convolutions.
   */
  public static final class Head extends Module {
    private final Sequential conv;
    private final Conv2d clsLogits;
    private final Conv2d bboxPred;
    private final int channels;

    Head(int channels, int anchorsPerLocation) {
      this.channels = channels;
      conv = register("conv", new Sequential(new Sequential(
          new Conv2d(channels, channels, ConvSpec.kernel(3).padding(1)), Activation.relu())));
      clsLogits = register("cls_logits", new Conv2d(channels, anchorsPerLocation, ConvSpec.kernel(1)));
      bboxPred = register("bbox_pred", new Conv2d(channels, 4 * anchorsPerLocation, ConvSpec.kernel(1)));
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
