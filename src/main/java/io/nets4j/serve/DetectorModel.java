package io.nets4j.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nets4j.data.RgbImage;
import io.nets4j.detection.Detections;
import io.nets4j.detection.Detector;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;

/**
 * An object detector ({@link Detector}) served: the input is an RGB image {@code [3, H, W]} of any
 * size with values in [0, 1]; the outputs are torchvision's detection dictionary, {@code boxes}
 * {@code [K, 4]} (x1, y1, x2, y2 in the image's pixels), {@code scores} {@code [K]} and {@code
 * labels} {@code [K]} (1-based class indices, 0 being the background). Image requests get
 * {@code {"boxes": [[x1, y1, x2, y2], ...], "labels": [names], "scores": [...]}}.
 */
public final class DetectorModel implements ServedModel {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String name;
  private final Detector detector;
  private final List<String> classes;

  /** {@code classes.get(k - 1)} names label {@code k}. */
  public DetectorModel(String name, Detector detector, List<String> classes) {
    if (classes.size() != detector.numClasses()) {
      throw new IllegalArgumentException(classes.size() + " class names for a detector of " + detector.numClasses()
          + " classes");
    }
    this.name = name;
    this.detector = detector;
    this.classes = List.copyOf(classes);
    detector.module().eval();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String platform() {
    return "nets4j_detection";
  }

  @Override
  public TensorSpec input() {
    return new TensorSpec("input", TensorData.FP32, new long[] {-1, 3, -1, -1});
  }

  @Override
  public List<TensorSpec> outputs() {
    return List.of(new TensorSpec("boxes", TensorData.FP32, new long[] {-1, -1, 4}),
        new TensorSpec("scores", TensorData.FP32, new long[] {-1, -1}),
        new TensorSpec("labels", TensorData.INT64, new long[] {-1, -1}));
  }

  @Override
  public Sample fromImage(RgbImage image) {
    return new Sample(image.toImage().data(), new long[] {3, image.height(), image.width()});
  }

  @Override
  public List<Map<String, TensorData>> run(List<Sample> batch) {
    try (Scope s = Scope.open(); InferenceMode guard = new InferenceMode()) {
      List<Tensor> images = batch.stream().map(b -> Tensors.fromFloats(b.data(), b.shape())).toList();
      List<Map<String, TensorData>> out = new ArrayList<>(batch.size());
      for (Detections d : detector.detect(images)) {
        int k = d.size();
        out.add(Map.of(
            "boxes", TensorData.fp32("boxes", new long[] {k, 4}, floats(d.boxes())),
            "scores", TensorData.fp32("scores", new long[] {k}, floats(d.scores())),
            "labels", TensorData.int64("labels", new long[] {k},
                Tensors.toLongArray(d.labels().to(DType.INT64.scalarType()).contiguous()))));
      }
      return out;
    }
  }

  private static float[] floats(Tensor t) {
    return Tensors.toFloatArray(t.to(DType.FLOAT32.scalarType()).contiguous());
  }

  @Override
  public Reply imageReply(Map<String, TensorData> outputs, String accept, int topK) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode boxes = root.putArray("boxes");
    ArrayNode labels = root.putArray("labels");
    ArrayNode scores = root.putArray("scores");
    float[] b = outputs.get("boxes").fp32();
    long[] l = outputs.get("labels").int64();
    float[] sc = outputs.get("scores").fp32();
    for (int i = 0; i < sc.length; i++) {
      ArrayNode box = boxes.addArray();
      for (int j = 0; j < 4; j++) {
        box.add(b[4 * i + j]);
      }
      int label = (int) l[i];
      labels.add(label >= 1 && label <= classes.size() ? classes.get(label - 1) : Integer.toString(label));
      scores.add(sc[i]);
    }
    return Reply.json(200, root.toString());
  }
}
