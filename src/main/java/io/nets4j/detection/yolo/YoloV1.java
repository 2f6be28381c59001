package io.nets4j.detection.yolo;

import io.nets4j.detection.Detections;
import io.nets4j.detection.Detector;
import io.nets4j.data.DetectionSample;
import io.nets4j.data.Image;
import io.nets4j.detection.DetectionLoss;
import io.nets4j.nn.Module;
import io.nets4j.models.ImageClassifier;
import io.nets4j.models.ModelOptions;
import io.nets4j.models.Models;
import io.nets4j.nn.Activation;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Dropout;
import io.nets4j.nn.F;
import io.nets4j.nn.Flatten;
import io.nets4j.nn.Layer;
import io.nets4j.nn.Linear;
import io.nets4j.nn.MaxPool2d;
import io.nets4j.nn.Sequential;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * YOLO v1 (Redmon, Divvala, Girshick and Farhadi 2016, "You Only Look Once: Unified, Real-Time
 * Object Detection"): the image is divided into an {@code S x S} grid; each cell predicts {@code B}
 * boxes {@code (x, y, sqrt(w), sqrt(h), confidence)} and {@code C} class probabilities, so the
 * network's output is {@code [N, S, S, B * 5 + C]} (7 x 7 x 30 for S = 7, B = 2 and the 20 VOC
 * classes). {@code x, y} are the box centre's offset inside its cell, {@code w, h} are relative
 * to the image; the final layer is linear, as in the paper.
 *
 * <p>The backbone is a Darknet-style stack of convolutions with leaky ReLU (slope 0.1) and 2x2 max
 * pools (the paper's 24-layer net is {@link Config#PAPER}) or the trunk of a model of the
 * {@link Models} registry; its output must be {@code S x S}. The head is either the paper's two
 * fully-connected layers (with dropout 0.5) or, for small data, a convolutional head (3x3 conv,
 * batch norm, leaky ReLU, 1x1 conv) that predicts every cell with the same weights.
 *
 * <p>Class labels of {@link #detect} are numbered from 1 ({@link io.nets4j.data.DetectionSample});
 * output channel {@code B * 5 + k} is label {@code k + 1}.
 */
public final class YoloV1 extends Layer implements Detector {
  /** Leaky ReLU slope of every hidden layer (Darknet's "leaky"). */
  static final double LEAKY_SLOPE = 0.1;

  /**
   * The backbone: either Darknet-style {@code layers} or the feature trunk of registry model {@code model}.
   *
   * @param layers space-separated layers: {@code KxC} a KxK convolution to C channels ("same"
   *     padding), {@code KxC/S} with stride S, {@code M} a 2x2 max pool with stride 2; or null
   * @param batchNorm whether each convolution is followed by batch norm (YOLO v2 added it; the v1 paper has none)
   * @param model a {@link Models} name whose {@code forwardFeatures} is the trunk, or null
   */
  public record Backbone(String layers, boolean batchNorm, String model) {
    public Backbone {
      if ((layers == null) == (model == null)) {
        throw new IllegalArgumentException("a YOLO backbone needs either Darknet layers or a model name");
      }
      if (model != null) {
        Models.info(model); // an unknown name fails with the closest classifier names
      }
    }

    public static Backbone darknet(String layers, boolean batchNorm) {
      return new Backbone(layers, batchNorm, null);
    }

    public static Backbone trunk(String model) {
      return new Backbone(null, false, model);
    }

    /** The backbone's total stride (input size / output size). */
    int stride() {
      if (model != null) {
        return 32;
      }
      int stride = 1;
      for (String token : layers.trim().split("\\s+")) {
        stride *= token.equals("M") ? 2 : token.contains("/") ? Integer.parseInt(token.substring(token.indexOf('/') + 1)) : 1;
      }
      return stride;
    }
  }

  /**
   * A YOLO v1 configuration.
   *
   * @param imageSize input images are resized to {@code imageSize x imageSize}
   * @param grid S, the grid size; must equal {@code imageSize / backbone stride}
   * @param boxesPerCell B
   * @param numClasses C (object classes, no background)
   * @param backbone the feature extractor
   * @param hidden width of the paper's first fully-connected layer, or 0 for the convolutional head
   * @param headChannels channels of the convolutional head's 3x3 layer (unused with the FC head)
   */
  public record Config(int imageSize, int grid, int boxesPerCell, int numClasses, Backbone backbone, int hidden,
      int headChannels) {
    /** The paper's network: 24 convolutions (448 x 448 input, stride 64) and FC layers 4096 and 7 x 7 x 30. */
    public static final Config PAPER = new Config(448, 7, 2, 20, Backbone.darknet(
        "7x64/2 M 3x192 M 1x128 3x256 1x256 3x512 M "
            + "1x256 3x512 1x256 3x512 1x256 3x512 1x256 3x512 1x512 3x1024 M "
            + "1x512 3x1024 1x512 3x1024 3x1024 3x1024/2 3x1024 3x1024", false), 4096, 0);

    /**
     * A small Darknet-style net with batch norm and the convolutional head, that trains on two CPU
     * cores: stride 8, so 64 x 64 images give an 8 x 8 grid (56 x 56 the paper's 7 x 7). Its first
     * convolution has stride 2 instead of a full-resolution convolution and a pool: on a CPU the
     * largest maps cost the most.
     */
    public static Config tiny(int imageSize, int numClasses) {
      return new Config(imageSize, imageSize / 8, 2, numClasses,
          Backbone.darknet("3x16/2 3x32 M 3x64 M 3x128 3x128", true), 0, 128);
    }

    /** The ResNet-18 trunk of the registry (stride 32) with the convolutional head. */
    public static Config resnet18(int imageSize, int numClasses) {
      return new Config(imageSize, imageSize / 32, 2, numClasses, Backbone.trunk("resnet18"), 0, 256);
    }

    public Config {
      if (grid < 1 || boxesPerCell < 1 || numClasses < 1 || hidden < 0 || imageSize < 1) {
        throw new IllegalArgumentException("invalid YOLO v1 config: image " + imageSize + ", S=" + grid + ", B="
            + boxesPerCell + ", C=" + numClasses + ", hidden " + hidden);
      }
      if (imageSize != grid * backbone.stride()) {
        throw new IllegalArgumentException("a " + imageSize + "px image through a backbone of stride "
            + backbone.stride() + " does not give a " + grid + "x" + grid + " grid");
      }
      if (hidden == 0 && headChannels < 1) {
        throw new IllegalArgumentException("the convolutional head needs headChannels >= 1, got " + headChannels);
      }
    }

    /** Values per cell: {@code B * 5 + C}. */
    public int cellValues() {
      return boxesPerCell * 5 + numClasses;
    }

    public Config withNumClasses(int c) {
      return new Config(imageSize, grid, boxesPerCell, c, backbone, hidden, headChannels);
    }
  }

  /**
   * How raw outputs become detections.
   *
   * @param scoreThreshold keep class-specific scores (confidence x class probability) above this
   *     (the paper's demo uses 0.2; evaluation uses a low threshold so that recall is not cut)
   * @param nmsIou class-wise NMS threshold
   * @param maxDetections most detections per image
   */
  public record Decoding(double scoreThreshold, double nmsIou, int maxDetections) {
    public static final Decoding DISPLAY = new Decoding(0.2, 0.5, 100);
    public static final Decoding EVALUATION = new Decoding(0.005, 0.5, 100);
  }

  private final Config config;
  private final Layer backbone;
  private final int backboneChannels;
  private final Layer head;
  private Decoding decoding = Decoding.DISPLAY;

  public YoloV1(Config config) {
    this.config = config;
    Backbone b = config.backbone();
    if (b.model() != null) {
      ImageClassifier trunk = Models.create(b.model(), ModelOptions.defaults().featuresOnly());
      backboneChannels = trunk.numFeatures();
      backbone = register("backbone", new Trunk(trunk));
    } else {
      Sequential features = new Sequential();
      int channels = 3;
      for (String token : b.layers().trim().split("\\s+")) {
        if (token.equals("M")) {
          features.add(new MaxPool2d(2, 2, 0));
          continue;
        }
        int[] kcs = parseConv(token);
        features.add(new Conv2d(channels, kcs[1],
            ConvSpec.kernel(kcs[0]).stride(kcs[2]).padding(kcs[0] / 2).bias(!b.batchNorm())));
        if (b.batchNorm()) {
          features.add(new BatchNorm2d(kcs[1], BatchNorm2d.DEFAULT_EPS, BatchNorm2d.DEFAULT_MOMENTUM));
        }
        features.add(Activation.leakyRelu(LEAKY_SLOPE));
        channels = kcs[1];
      }
      backboneChannels = channels;
      backbone = register("backbone", features);
    }
    int s = config.grid();
    if (config.hidden() > 0) {
      head = register("head", new Sequential(new Flatten(), new Linear(s * s * backboneChannels, config.hidden()),
          Activation.leakyRelu(LEAKY_SLOPE), new Dropout(0.5), new Linear(config.hidden(), s * s * config.cellValues())));
    } else {
      head = register("head", new Sequential(
          new Conv2d(backboneChannels, config.headChannels(), ConvSpec.kernel(3).padding(1).noBias()),
          new BatchNorm2d(config.headChannels(), BatchNorm2d.DEFAULT_EPS, BatchNorm2d.DEFAULT_MOMENTUM),
          Activation.leakyRelu(LEAKY_SLOPE), new Conv2d(config.headChannels(), config.cellValues(), ConvSpec.kernel(1))));
    }
  }

  private static int[] parseConv(String token) {
    try {
      int x = token.indexOf('x');
      int slash = token.indexOf('/');
      int k = Integer.parseInt(token.substring(0, x));
      int c = Integer.parseInt(slash < 0 ? token.substring(x + 1) : token.substring(x + 1, slash));
      int stride = slash < 0 ? 1 : Integer.parseInt(token.substring(slash + 1));
      return new int[] {k, c, stride};
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("bad Darknet layer '" + token + "' (use KxC, KxC/S or M)", e);
    }
  }

  public Config config() {
    return config;
  }

  @Override
  public int numClasses() {
    return config.numClasses();
  }

  public Decoding decoding() {
    return decoding;
  }

  @Override
  public void setScoreThreshold(double threshold) {
    decoding = new Decoding(threshold, decoding.nmsIou(), decoding.maxDetections());
  }

  /** Sets how {@link #detect} turns outputs into detections. */
  public void setDecoding(Decoding d) {
    this.decoding = d;
  }

  /** Raw predictions {@code [N, S, S, B * 5 + C]} of images {@code [N, 3, imageSize, imageSize]}. */
  @Override
  protected Tensor compute(Tensor x) {
    int size = config.imageSize();
    if (x.dim() != 4 || x.size(1) != 3 || x.size(2) != size || x.size(3) != size) {
      throw fail("expected images [N, 3, " + size + ", " + size + "], got " + Tensors.describe(x));
    }
    Tensor features = backbone.forward(x);
    int s = config.grid();
    if (features.size(2) != s || features.size(3) != s) {
      throw fail("backbone gives a " + features.size(2) + "x" + features.size(3) + " map, the grid is " + s + "x" + s);
    }
    Tensor out = head.forward(features);
    return config.hidden() > 0 ? out.view(x.size(0), s, s, config.cellValues()) : out.permute(0, 2, 3, 1);
  }

  @Override
  public List<Detections> detect(List<Tensor> images) {
    boolean wasTraining = isTraining();
    eval();
    try (NoGradGuard g = new NoGradGuard()) {
      int size = config.imageSize();
      List<Tensor> resized = new ArrayList<>();
      for (Tensor im : images) {
        if (im.dim() != 3 || im.size(0) != 3) {
          throw new IllegalArgumentException("detect: images must be [3, H, W], got " + Tensors.describe(im));
        }
        boolean same = im.size(1) == size && im.size(2) == size;
        resized.add(same ? im : F.interpolate(im.unsqueeze(0), size, size, "bilinear", false).squeeze(0));
      }
      List<Detections> dets = YoloDecoder.decode(forward(torch.stack(new TensorVector(resized.toArray(new Tensor[0])))),
          config, size, size, decoding);
      List<Detections> out = new ArrayList<>();
      for (int i = 0; i < images.size(); i++) {
        Detections d = dets.get(i);
        double sx = (double) images.get(i).size(2) / size;
        double sy = (double) images.get(i).size(1) / size;
        Tensor scale = Tensors.fromDoubles(new double[] {sx, sy, sx, sy}, 4).to(d.boxes().scalar_type());
        out.add(new Detections(d.boxes().mul(scale), d.scores(), d.labels()));
      }
      return out;
    } finally {
      train(wasTraining);
    }
  }

  /** The paper's sum-squared loss ({@link YoloLoss#PAPER}) of a batch of samples. */
  @Override
  public DetectionLoss loss(List<DetectionSample> batch) {
    YoloLoss.Parts parts = YoloLoss.PAPER.compute(forward(images(batch)), YoloLoss.targets(batch, config), config);
    Map<String, Double> terms = new LinkedHashMap<>();
    terms.put("coord", parts.coord());
    terms.put("obj", parts.objectConfidence());
    terms.put("noobj", parts.noObjectConfidence());
    terms.put("class", parts.classification());
    return new DetectionLoss(parts.total(), terms);
  }

  /** Images {@code [N, 3, imageSize, imageSize]} of samples of the input size. */
  Tensor images(List<DetectionSample> batch) {
    int size = config.imageSize();
    float[] data = new float[batch.size() * 3 * size * size];
    for (int i = 0; i < batch.size(); i++) {
      Image im = batch.get(i).image();
      if (im.channels() != 3 || im.height() != size || im.width() != size) {
        throw new IllegalArgumentException("YOLO v1 trains on 3x" + size + "x" + size + " images; sample " + i + " is "
            + im.channels() + "x" + im.height() + "x" + im.width() + " (resize the data set first)");
      }
      System.arraycopy(im.data(), 0, data, i * 3 * size * size, 3 * size * size);
    }
    return Tensors.fromFloats(data, batch.size(), 3, size, size);
  }

  @Override
  public Module module() {
    return this;
  }

  /**
   * Parameters of {@code config} without building the model (the paper's net is about 270M
   * parameters, mostly its first fully-connected layer).
   */
  public static long parameterCount(Config config) {
    Backbone b = config.backbone();
    long total = 0;
    int channels;
    if (b.model() != null) {
      ImageClassifier trunk = Models.create(b.model(), ModelOptions.defaults().featuresOnly());
      total += trunk.parameterCount();
      channels = trunk.numFeatures();
    } else {
      channels = 3;
      for (String token : b.layers().trim().split("\\s+")) {
        if (token.equals("M")) {
          continue;
        }
        int[] kcs = parseConv(token);
        total += (long) kcs[0] * kcs[0] * channels * kcs[1] + (b.batchNorm() ? 2L * kcs[1] : kcs[1]);
        channels = kcs[1];
      }
    }
    long cells = (long) config.grid() * config.grid();
    if (config.hidden() > 0) {
      total += (cells * channels + 1) * config.hidden() + (config.hidden() + 1L) * cells * config.cellValues();
    } else {
      total += 9L * channels * config.headChannels() + 2L * config.headChannels()
          + ((long) config.headChannels() + 1) * config.cellValues();
    }
    return total;
  }

  @Override
  public String typeName() {
    return "YoloV1";
  }

  /** A registry classifier used up to its final feature map. */
  private static final class Trunk extends Layer {
    private final ImageClassifier model;

    Trunk(ImageClassifier model) {
      this.model = register("body", model);
    }

    @Override
    protected Tensor compute(Tensor x) {
      return model.forwardFeatures(x);
    }
  }
}
