package io.nets4j.detection.rcnn;

import io.nets4j.data.Box;
import io.nets4j.data.DetectionSample;
import io.nets4j.data.Image;
import io.nets4j.detection.BoxCoder;
import io.nets4j.detection.BoxOps;
import io.nets4j.detection.DetectionLoss;
import io.nets4j.detection.Detections;
import io.nets4j.detection.Detector;
import io.nets4j.nn.F;
import io.nets4j.nn.Module;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * What R-CNN and Fast R-CNN / SPPNet share: selective-search proposals, a CNN scoring each region
 * over background plus {@code numClasses - 1} object classes with class-specific box deltas (the
 * R-CNN parameterisation, {@link BoxCoder} with Fast R-CNN's target normalisation 10, 10, 5, 5),
 * the training loss and the post-processing (per-class NMS). Subclasses differ in how a region
 * becomes a feature vector: R-CNN warps the image region and runs the CNN on it; Fast R-CNN and
 * SPPNet run the CNN once per image and pool the region from the feature map.
 *
 * <p>As a {@link Detector}, {@link #loss(List)} runs selective search on every image of the
 * batch, which is slow; {@link RegionTraining} trains as the papers do, on proposals computed once.
 */
public abstract class RegionDetector extends Module implements Detector {
  /**
   * @param numClasses classes including background 0
   * @param widths channels of the {@link ConvBackbone} stages
   * @param representation width of {@code fc6} and {@code fc7}
   * @param proposals selective-search settings
   * @param testProposals proposals scored per image at test time, at most (by selective-search rank)
   * @param scoreThresh detections need a class probability above this (until {@link #setScoreThreshold})
   * @param nmsThresh IoU of the per-class NMS (0.3 in both papers)
   * @param detectionsPerImage at most this many detections per image
   */
  public record Config(int numClasses, int[] widths, int representation, SelectiveSearch.Config proposals,
      int testProposals, double scoreThresh, double nmsThresh, int detectionsPerImage) {
    public Config {
      if (numClasses < 2 || widths.length == 0 || representation < 1 || testProposals < 1 || detectionsPerImage < 1) {
        throw new IllegalArgumentException("invalid detector config: " + numClasses + " classes, " + widths.length
            + " stages, representation " + representation + ", " + testProposals + " test proposals, "
            + detectionsPerImage + " detections per image");
      }
      widths = widths.clone();
    }

    @Override
    public int[] widths() {
      return widths.clone();
    }

    /** The shapes scenes: background + 6 shapes, three stages 32-64-128 (stride 4), fc 256. */
    public static Config shapes() {
      return new Config(7, new int[] {32, 64, 128}, 256, SelectiveSearch.Config.fast(), 2000, 0.05, 0.3, 100);
    }

    /** This config for {@code n} classes (background included). */
    public Config withNumClasses(int n) {
      return new Config(n, widths, representation, proposals, testProposals, scoreThresh, nmsThresh, detectionsPerImage);
    }
  }

  /** Pixel normalisation: zero means mid-grey, so zero padding is neutral. */
  private static final double MEAN = 0.5;
  private static final double STD = 0.25;

  private final Config config;
  private final SelectiveSearch search;
  private final BoxCoder coder = new BoxCoder(10, 10, 5, 5);
  /** Region sampling of {@link #loss(List)}. */
  private final SplittableRandom lossSampling = new SplittableRandom(0);
  private double scoreThreshold;

  protected RegionDetector(Config config) {
    this.config = config;
    this.search = new SelectiveSearch(config.proposals());
    this.scoreThreshold = config.scoreThresh();
  }

  public Config config() {
    return config;
  }

  /** How training regions are labelled and sampled. */
  public abstract RegionSampler sampler();

  /** Images per training step. */
  public abstract int imagesPerStep();

  /** Regions sampled from each image per training step. */
  public abstract int regionsPerImage();

  /** Class logits and box deltas of the regions {@code [Ki, 4]} of each image, concatenated. */
  protected abstract RegionHead.Scores score(Tensor images, List<Tensor> regions);

  /** Selective-search proposals of an image, best ranked first, at most {@code testProposals}. */
  public List<Box> propose(Image image) {
    List<Box> all = search.propose(image);
    return all.subList(0, Math.min(all.size(), config.testProposals()));
  }

  @Override
  public int numClasses() {
    return config.numClasses() - 1;
  }

  @Override
  public Module module() {
    return this;
  }

  @Override
  public void setScoreThreshold(double threshold) {
    scoreThreshold = threshold;
  }

  /** {@link #detect(Image)} of each image {@code [3, H, W]}. */
  @Override
  public List<Detections> detect(List<Tensor> images) {
    List<Detections> out = new ArrayList<>();
    for (Tensor t : images) {
      if (t.dim() != 3 || t.size(0) != 3) {
        throw new IllegalArgumentException("detect: images must be [3, H, W], got " + Tensors.describe(t));
      }
      out.add(detect(new Image(Tensors.toFloatArray(t.cpu()), 3, (int) t.size(1), (int) t.size(2))));
    }
    return out;
  }

  /**
   * The training loss of a batch: selective search on each image, then {@link RegionTraining}'s
   * labelled, balanced region sample; terms {@code classification} and {@code regression}
   * (weighted 1, as in Fast R-CNN).
   */
  @Override
  public DetectionLoss loss(List<DetectionSample> batch) {
    List<RegionSampler.Labelled> labelled = new ArrayList<>();
    for (DetectionSample s : batch) {
      labelled.add(sampler().label(propose(s.image()), s.boxes(), s.labels()));
    }
    Tensor[] losses = RegionTraining.sampledLoss(this, batch, labelled, lossSampling);
    return new DetectionLoss(losses[0].add(losses[1]),
        RegionTraining.terms(losses[0].item_double(), losses[1].item_double()));
  }

  /** Proposes regions with selective search, then {@link #detect(Image, List)}. */
  public Detections detect(Image image) {
    return detect(image, propose(image));
  }

  /**
   * Detections for given proposals, in the image's pixel frame: class probabilities by softmax,
   * each class's box decoded from its own deltas and clipped, background dropped, scores at most
   * {@code scoreThresh} dropped, then per-class NMS and the top {@code detectionsPerImage}.
   */
  public Detections detect(Image image, List<Box> proposals) {
    eval();
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      if (proposals.isEmpty()) {
        return keepDetections(s, empty());
      }
      Tensor boxes = boxTensor(proposals);
      RegionHead.Scores scores = score(images(List.of(image)), List.of(boxes));
      return keepDetections(s, postprocess(scores, boxes.to(torch.ScalarType.Float), image.height(), image.width()));
    }
  }

  private static Detections keepDetections(Scope s, Detections d) {
    return new Detections(s.keep(d.boxes()), s.keep(d.scores()), s.keep(d.labels()));
  }

  private Detections empty() {
    return new Detections(Tensors.zeros(DType.FLOAT32, 0, 4),
        Tensors.zeros(DType.FLOAT32, 0), Tensors.zeros(DType.INT64, 0));
  }

  private Detections postprocess(RegionHead.Scores scores, Tensor proposals, long height, long width) {
    long c = config.numClasses();
    long k = proposals.size(0);
    Tensor probs = F.softmax(scores.logits(), -1).cpu();
    Tensor boxes = BoxOps.clipToImage(coder.decode(scores.deltas().cpu(), proposals), height, width).reshape(k, c, 4);
    Tensor labels = torch.arange(new Scalar(c)).view(1, -1).expand(k, c);
    Tensor b = boxes.narrow(1, 1, c - 1).reshape(-1, 4);
    Tensor p = probs.narrow(1, 1, c - 1).reshape(-1);
    Tensor l = labels.narrow(1, 1, c - 1).reshape(-1);
    return Detections.select(b, p, l, scoreThreshold, 1e-2, config.nmsThresh(), config.detectionsPerImage());
  }

  /**
   * The multi-task loss of Fast R-CNN (section 2.3) on sampled regions: cross-entropy over the
   * classes plus {@code lambda} times the smooth-L1 loss (beta 1) of the true class's deltas,
   * summed over coordinates and the regions that train the regression, divided by the number of
   * sampled regions. Returns {@code [classification, regression]}.
   *
   * @param regions per image the sampled region boxes {@code [Ki, 4]}
   * @param labels per region its class (0 = background), concatenated over images {@code [K]}
   * @param targets per region its encoded ground truth {@code [K, 4]} (rows of regions not in
   *     {@code regress} are ignored)
   * @param regress per region 1 if it trains the box regression, else 0 {@code [K]}
   */
  public Tensor[] loss(Tensor images, List<Tensor> regions, Tensor labels, Tensor targets, Tensor regress) {
    RegionHead.Scores scores = score(images, regions);
    long c = config.numClasses();
    long k = labels.size(0);
    Tensor classification = F.crossEntropy(scores.logits(), labels);
    Tensor rows = torch.arange(new Scalar(k)).mul(new Scalar(c)).add(labels);
    Tensor own = scores.deltas().reshape(k * c, 4).index_select(0, rows);
    Tensor perRegion = torch.smooth_l1_loss(own, targets, 0, 1.0).sum(new long[] {1}, false,
        new org.bytedeco.pytorch.ScalarTypeOptional());
    Tensor regression = perRegion.mul(regress).sum().div(new Scalar((double) Math.max(1, k)));
    return new Tensor[] {classification, regression};
  }

  /** Regression targets {@code [N, 4]} turning {@code proposals} into {@code gt} (both {@code [N, 4]}). */
  public Tensor encode(Tensor gt, Tensor proposals) {
    return coder.encode(gt, proposals);
  }

  /** Normalised images {@code [N, 3, H, W]} (one size) on the parameters' device. */
  public Tensor images(List<Image> images) {
    Image first = images.get(0);
    int plane = first.channels() * first.height() * first.width();
    float[] data = new float[images.size() * plane];
    for (int i = 0; i < images.size(); i++) {
      Image im = images.get(i);
      if (im.channels() != 3 || im.height() != first.height() || im.width() != first.width()) {
        throw new IllegalArgumentException("image " + i + " is " + im.channels() + "x" + im.height() + "x" + im.width()
            + ", expected 3x" + first.height() + "x" + first.width() + " (RGB, one size per batch)");
      }
      for (int j = 0; j < plane; j++) {
        data[i * plane + j] = (float) ((im.data()[j] - MEAN) / STD);
      }
    }
    return onDevice(Tensors.fromFloats(data, images.size(), 3, first.height(), first.width()));
  }

  /** Boxes as a float tensor {@code [N, 4]} on the parameters' device. */
  public Tensor boxTensor(List<Box> boxes) {
    float[] data = new float[4 * boxes.size()];
    for (int i = 0; i < boxes.size(); i++) {
      Box b = boxes.get(i);
      data[4 * i] = b.x1();
      data[4 * i + 1] = b.y1();
      data[4 * i + 2] = b.x2();
      data[4 * i + 3] = b.y2();
    }
    return onDevice(Tensors.fromFloats(data, boxes.size(), 4));
  }

  protected final Tensor onDevice(Tensor t) {
    Tensor p = parameters().get(0);
    return t.to(p.device(), t.scalar_type());
  }

  /** Concatenates per-image tensors along dimension 0. */
  protected static Tensor cat(List<Tensor> parts) {
    return parts.size() == 1 ? parts.get(0) : Tensors.cat(parts, 0);
  }
}
