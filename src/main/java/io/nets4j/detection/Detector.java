package io.nets4j.detection;

import io.nets4j.data.DetectionSample;
import io.nets4j.io.LoadMode;
import io.nets4j.io.StateDicts;
import io.nets4j.nn.Module;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * An object detector as the CLI, {@link DetectorTraining} and the evaluation see it: images in,
 * {@link Detections} out, a training loss, and weights to save and load. Labels follow
 * {@link DetectionSample}: object classes are numbered {@code 1..numClasses()} (0 is the background).
 */
public interface Detector {
  /**
   * Detects objects in images {@code [3, H, W]} (values in [0, 1]), in eval mode without
   * gradients; each result's boxes are in that image's own pixel frame.
   */
  List<Detections> detect(List<Tensor> images);

  /** The training loss of a batch of samples (the caller has put the module in train mode). */
  DetectionLoss loss(List<DetectionSample> batch);

  /**
   * Sets the lowest score {@link #detect} returns: high to show confident boxes, low (e.g. 0.005)
   * for an evaluation, where cutting low-scored boxes would cut recall.
   */
  void setScoreThreshold(double threshold);

  /** Number of object classes (without the background). */
  int numClasses();

  /** The network whose parameters are trained and saved. */
  Module module();

  /** Writes the weights as a safetensors state_dict. */
  default void save(Path file) {
    StateDicts.save(module(), file);
  }

  /** Reads weights written by {@link #save}; fails naming the file and key if they do not fit. */
  default void load(Path file) {
    StateDicts.load(module(), file, LoadMode.STRICT);
  }
}
