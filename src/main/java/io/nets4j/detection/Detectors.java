package io.nets4j.detection;

import io.nets4j.detection.rcnn.FastRCNN;
import io.nets4j.detection.rcnn.RCNN;
import io.nets4j.detection.rcnn.RegionDetector;
import io.nets4j.detection.yolo.YoloV1;
import io.nets4j.io.SafeTensors;
import io.nets4j.io.StateDicts;
import io.nets4j.io.WeightsFile;
import io.nets4j.nn.Checks;
import io.nets4j.nn.Limits;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The detectors the CLI can build by name, and weight files that remember how to rebuild them:
 * {@link #save} stores the detector's name, input size and class names in the safetensors
 * metadata, so {@link #load} needs nothing but the file.
 */
public final class Detectors {
  /** Builds a detector for {@code numClasses} object classes and square inputs of {@code imageSize}. */
  @FunctionalInterface
  public interface Factory {
    Detector create(int numClasses, int imageSize);
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

  /** R-CNN's warped region side for the small shapes scenes (the paper warps to 227 px). */
  private static final int RCNN_WARP = 32;

  private static final Map<String, Factory> REGISTRY = new LinkedHashMap<>();

  static {
    REGISTRY.put("yolo_v1", (c, size) -> new YoloV1(YoloV1.Config.tiny(size, c)));
    REGISTRY.put("yolo_v1_resnet18", (c, size) -> new YoloV1(YoloV1.Config.resnet18(size, c)));
    REGISTRY.put("fasterrcnn_light", FasterRCNNDetector::light);
    REGISTRY.put("rcnn", (c, size) -> new RCNN(regionConfig(c), RCNN_WARP));
    REGISTRY.put("fast_rcnn", (c, size) -> new FastRCNN(regionConfig(c), FastRCNN.Pooling.ROI_MAX));
    REGISTRY.put("sppnet", (c, size) -> new FastRCNN(regionConfig(c), FastRCNN.Pooling.SPP));
  }

  private Detectors() {}

  private static RegionDetector.Config regionConfig(int numClasses) {
    return RegionDetector.Config.shapes().withNumClasses(numClasses + 1);
  }

  /** Registers another detector (e.g. a light Faster R-CNN) under {@code name}. */
  public static synchronized void register(String name, Factory factory) {
    if (REGISTRY.putIfAbsent(name, factory) != null) {
      throw new IllegalStateException("detector '" + name + "' registered twice");
    }
  }

  public static synchronized List<String> names() {
    return List.copyOf(REGISTRY.keySet());
  }

  public static synchronized Detector create(String name, int numClasses, int imageSize) {
    Factory f = REGISTRY.get(name);
    if (f == null) {
      throw new IllegalArgumentException("unknown detector '" + name + "'; known: " + String.join(", ", REGISTRY.keySet()));
    }
    return f.create(numClasses, imageSize);
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
