package io.nets4j.detection;

import io.nets4j.detection.rcnn.FastRCNN;
import io.nets4j.detection.rcnn.RCNN;
import io.nets4j.detection.rcnn.RegionDetector;
import io.nets4j.data.ShapesDataset;
import io.nets4j.detection.yolo.YoloV1;
import io.nets4j.io.SafeTensors;
import io.nets4j.io.StateDicts;
import io.nets4j.io.WeightsFile;
import io.nets4j.models.ModelInfo;
import io.nets4j.models.Registry;
import io.nets4j.models.Task;
import io.nets4j.nn.Checks;
import io.nets4j.nn.Limits;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The typed factory of the detectors, created with {@link Options}, and weight files that remember
 * how to rebuild them: {@link #save} stores the detector's name, input size and class names in the
 * safetensors metadata, so {@link #load} needs nothing but the file. Their names, metadata and
 * listing are those of {@code io.nets4j.registry.ModelRegistry}, with every other task's.
 */
public final class Detectors {
  /**
   * How a detector is built.
   *
   * @param numClasses object classes, without the background
   * @param imageSize the side of the square images it takes
   */
  public record Options(int numClasses, int imageSize) {
    /** The six classes of the generated shapes scenes, at the detector's registered input size. */
    public static Options defaults(ModelInfo info) {
      return new Options(ShapesDataset.SHAPES.size(), info.inputSize());
    }
  }

  /** A detector read back from a weight file, with its class names ({@code classes.get(k - 1)} is label k). */
  public record Loaded(Detector detector, String name, int imageSize, List<String> classes) {}

  static final String NAME_KEY = "nets4j.detector";
  static final String SIZE_KEY = "nets4j.image_size";
  /** The smallest square side a detector takes (its coarsest feature map has a cell). */
  public static final int MIN_SIDE = 16;
  /** The largest square side, the side of {@link Limits#MAX_DENSE_INPUT_PIXELS}. */
  public static final int MAX_SIDE = (int) Math.sqrt(Limits.MAX_DENSE_INPUT_PIXELS);
  static final String CLASSES_KEY = "nets4j.classes";

  /**
   * The scene sides that {@code nets4j detect train} uses by default: 112 px for the end-to-end
   * detectors, 64 px for those that classify selective-search regions.
   */
  private static final int END_TO_END_SIZE = 112;
  private static final int REGION_SIZE = 64;
  /** R-CNN's warped region side for the small shapes scenes (the paper warps to 227 px). */
  private static final int RCNN_WARP = 32;
  private static final String YOLO = "Redmon et al. 2016, You Only Look Once: Unified, Real-Time Object Detection";
  private static final String RCNN_PAPER = "Girshick et al. 2014, Rich Feature Hierarchies for Accurate Object "
      + "Detection and Semantic Segmentation";

  private static final Registry<Options, Detector> REGISTRY =
      Registry.of(Task.DETECTION, Options::defaults, Detector::module, Detectors::register);

  private Detectors() {}

  private static void register(Registry.Registrar<Options, Detector> r) {
    r.add("yolo_v1", "YOLOv1", "paper", END_TO_END_SIZE, YOLO,
        o -> new YoloV1(YoloV1.Config.tiny(o.imageSize(), o.numClasses())));
    // the ResNet-18 trunk has stride 32: 128 px give a 4 x 4 grid
    r.add("yolo_v1_resnet18", "YOLOv1", "paper", 128, YOLO,
        o -> new YoloV1(YoloV1.Config.resnet18(o.imageSize(), o.numClasses())));
    r.add("fasterrcnn_light", "FasterRCNN", "torchvision", END_TO_END_SIZE, "Ren et al. 2015, Faster R-CNN: "
        + "Towards Real-Time Object Detection with Region Proposal Networks",
        o -> FasterRCNNDetector.light(o.numClasses(), o.imageSize()));
    r.add("rcnn", "RCNN", "paper", REGION_SIZE, RCNN_PAPER, o -> new RCNN(regionConfig(o), RCNN_WARP));
    r.add("fast_rcnn", "FastRCNN", "paper", REGION_SIZE, "Girshick 2015, Fast R-CNN",
        o -> new FastRCNN(regionConfig(o), FastRCNN.Pooling.ROI_MAX));
    r.add("sppnet", "SPPNet", "paper", REGION_SIZE, "He et al. 2014, Spatial Pyramid Pooling in Deep Convolutional "
        + "Networks for Visual Recognition", o -> new FastRCNN(regionConfig(o), FastRCNN.Pooling.SPP));
  }

  private static RegionDetector.Config regionConfig(Options options) {
    return RegionDetector.Config.shapes().withNumClasses(options.numClasses() + 1);
  }

  /** The registry itself, for the listing of every task. */
  public static Registry<Options, Detector> registry() {
    return REGISTRY;
  }

  /** The registered detector names, in registration order. */
  public static List<String> names() {
    return REGISTRY.list().stream().map(ModelInfo::name).toList();
  }

  /** Builds detector {@code name} for {@code numClasses} object classes and square inputs of {@code imageSize}. */
  public static Detector create(String name, int numClasses, int imageSize) {
    return REGISTRY.create(name, new Options(numClasses, imageSize));
  }

  /** Writes {@code detector}'s weights with what {@link #load} needs to rebuild it. */
  public static void save(Detector detector, String name, int imageSize, List<String> classes, Path file) {
    if (classes.size() != detector.numClasses()) {
      throw new IllegalArgumentException(classes.size() + " class names for a detector of " + detector.numClasses()
          + " classes");
    }
    for (String c : classes) {
      if (c.contains("\n")) {
        throw new IllegalArgumentException("class name '" + c + "' contains a line break");
      }
    }
    StateDicts.save(detector.module(), file, Map.of(NAME_KEY, name, SIZE_KEY, Integer.toString(imageSize),
        CLASSES_KEY, String.join("\n", classes)));
  }

  /** Rebuilds the detector saved in {@code file} and loads its weights. */
  public static Loaded load(Path file) {
    if (WeightsFile.Format.of(file) != WeightsFile.Format.SAFETENSORS) {
      throw new IllegalArgumentException(file + " is a torch.save file; a detector is rebuilt from the metadata that"
          + " `nets4j detect train` writes into its safetensors weights");
    }
    Map<String, String> meta = SafeTensors.read(file).metadata();
    String name = meta.get(NAME_KEY);
    if (name == null || !meta.containsKey(SIZE_KEY) || !meta.containsKey(CLASSES_KEY)) {
      throw new IllegalArgumentException(file + " has no detector metadata (" + NAME_KEY + ", " + SIZE_KEY + ", "
          + CLASSES_KEY + "); it was not written by `nets4j detect train`");
    }
    List<String> classes = Arrays.asList(meta.get(CLASSES_KEY).split("\n"));
    if (classes.size() > Limits.MAX_CLASSES) {
      throw new IllegalArgumentException(file + ": metadata " + CLASSES_KEY + " lists " + classes.size()
          + " classes, more than the limit of " + Limits.MAX_CLASSES);
    }
    int size = Checks.intEntry(meta, SIZE_KEY, file, MIN_SIDE, MAX_SIDE, 0);
    Detector d = create(name, classes.size(), size);
    d.load(file);
    return new Loaded(d, name, size, classes);
  }
}
