package io.nets4j.detection.yolo;

import io.nets4j.detection.BoxOps;
import io.nets4j.detection.Detections;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Turns YOLO v1 outputs into detections as the paper does at test time: every box of every cell
 * gets a class-specific score {@code Pr(class | object) * confidence} for each class; scores above
 * the threshold survive class-wise non-maximum suppression ({@link BoxOps#batchedNms}).
 */
public final class YoloDecoder {
  private YoloDecoder() {}

  /**
   * Decodes {@code output [N, S, S, B * 5 + C]} into one {@link Detections} per image, with boxes
   * in pixels of a {@code width x height} image (clipped to it) and labels {@code 1..C}.
   */
  public static List<Detections> decode(Tensor output, YoloV1.Config config, int height, int width,
      YoloV1.Decoding decoding) {
    int s = config.grid();
    int b = config.boxesPerCell();
    int c = config.numClasses();
    if (output.dim() != 4 || output.size(1) != s || output.size(2) != s || output.size(3) != config.cellValues()) {
      throw new IllegalArgumentException("YOLO output must be [N, " + s + ", " + s + ", " + config.cellValues()
          + "], got " + Tensors.describe(output));
    }
    Tensor boxes = YoloLoss.cornerBoxes(output, config);              // [N, S, S, B, 4], relative
    Tensor scale = Tensors.fromDoubles(new double[] {width, height, width, height}, 4).to(output.scalar_type());
    boxes = boxes.mul(scale);
    Tensor confidence = output.narrow(3, 0, 5L * b).view(output.size(0), s, s, b, 5).select(4, 4);
    Tensor classProb = output.narrow(3, 5L * b, c);
    Tensor scores = confidence.unsqueeze(4).mul(classProb.unsqueeze(3)); // [N, S, S, B, C]
    List<Detections> out = new ArrayList<>();
    for (int i = 0; i < output.size(0); i++) {
      // one candidate per (box, class): the box repeated for each class, labels 1..C
      Tensor imageBoxes = BoxOps.clipToImage(boxes.select(0, i).reshape(-1, 4), height, width);
      long candidates = imageBoxes.size(0);
      Tensor perClass = imageBoxes.unsqueeze(1).expand(candidates, c, 4).reshape(-1, 4);
      Tensor labels = torch.arange(new Scalar(1), new Scalar(c + 1)).repeat(candidates);
      // boxes squeezed to nothing by the clipping cannot match anything
      out.add(Detections.select(perClass, scores.select(0, i).reshape(-1), labels, decoding.scoreThreshold(), 1e-2,
          decoding.nmsIou(), decoding.maxDetections()));
    }
    return out;
  }

}
