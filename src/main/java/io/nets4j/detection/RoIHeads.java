package io.nets4j.detection;

import io.nets4j.nn.F;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Module;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The Fast R-CNN box branch of Faster R-CNN (Girshick 2015, "Fast R-CNN"), inference path, as
 * torchvision's {@code RoIHeads}: multi-scale RoI Align of the proposals, two fully connected
 * layers ({@code box_head.fc6, fc7}), per-class scores and box deltas ({@code box_predictor}), then
 * per class: decoding with weights (10, 10, 5, 5), clipping, score and size filtering and NMS.
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

  private static final double MIN_BOX_SIZE = 1e-2;

  private final MultiScaleRoIAlign pool;
  private final TwoMLPHead boxHead;
  private final FastRCNNPredictor boxPredictor;
  private final BoxCoder coder = new BoxCoder(10, 10, 5, 5);
  private final Config config;

  public RoIHeads(MultiScaleRoIAlign pool, int pooledFeatures, int representation, int numClasses, Config config) {
    this.pool = pool;
    this.config = config;
    boxHead = register("box_head", new TwoMLPHead(pooledFeatures, representation));
    boxPredictor = register("box_predictor", new FastRCNNPredictor(representation, numClasses));
  }

  /** Detections for each image, in the frame of {@code imageSizes} (the resized images). */
  public List<Detections> forward(List<Tensor> features, List<Tensor> proposals, long[][] imageSizes) {
    Tensor pooled = pool.forward(features, proposals, imageSizes);
    Tensor x = boxHead.forward(pooled);
    Tensor classLogits = boxPredictor.scores(x);
    Tensor deltas = boxPredictor.deltas(x);
    long numClasses = classLogits.size(1);
    Tensor all = torch.cat(new org.bytedeco.pytorch.TensorVector(proposals.toArray(new Tensor[0])), 0);
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

  private Detections postprocess(Tensor boxes, Tensor scores, long[] imageSize) {
    long numClasses = scores.size(1);
    Tensor clipped = BoxOps.clipToImage(boxes, imageSize[0], imageSize[1]);
    Tensor labels = torch.arange(new org.bytedeco.pytorch.Scalar(numClasses)).view(1, -1).expand_as(scores);
    // Drop the background class 0.
    Tensor b = clipped.narrow(1, 1, numClasses - 1).reshape(-1, 4);
    Tensor s = scores.narrow(1, 1, numClasses - 1).reshape(-1);
    Tensor l = labels.narrow(1, 1, numClasses - 1).reshape(-1);
    Tensor keep = s.gt(new Scalar(config.scoreThresh())).nonzero().select(1, 0);
    b = b.index_select(0, keep);
    s = s.index_select(0, keep);
    l = l.index_select(0, keep);
    keep = BoxOps.removeSmallBoxes(b, MIN_BOX_SIZE);
    b = b.index_select(0, keep);
    s = s.index_select(0, keep);
    l = l.index_select(0, keep);
    keep = BoxOps.batchedNms(b, s, l, config.nmsThresh());
    keep = keep.narrow(0, 0, Math.min(config.detectionsPerImage(), keep.size(0)));
    return new Detections(b.index_select(0, keep), s.index_select(0, keep), l.index_select(0, keep));
  }

  /** Two fully connected layers with ReLU on the flattened pooled features ({@code fc6}, {@code fc7}). */
  public static final class TwoMLPHead extends io.nets4j.nn.Layer {
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
