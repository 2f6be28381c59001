package io.nets4j.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nets4j.data.RgbImage;
import io.nets4j.segmentation.SegmentationModel;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * A semantic segmentation model ({@link SegmentationModel}) served: the input is an image {@code
 * [C, H, W]} of any size with values in [0, 1]; the outputs are the class scores {@code out}
 * {@code [classes, H, W]} and their argmax {@code mask} {@code [H, W]} (INT64). Image requests get
 * the mask as an 8-bit greyscale PNG of class indices when they {@code Accept: image/png}, and
 * otherwise as JSON, run-length encoded in row-major order: {@code {"height", "width", "classes":
 * [names], "runs": [[class, length], ...]}}.
 */
public final class SegmenterModel implements ServedModel {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String PNG = "image/png";

  private final String name;
  private final SegmentationModel model;
  private final List<String> classes;

  /** {@code classes} names each class index, background first (empty for indices). */
  public SegmenterModel(String name, SegmentationModel model, List<String> classes) {
    if (!classes.isEmpty() && classes.size() != model.numClasses()) {
      throw new IllegalArgumentException(classes.size() + " class names for a model of " + model.numClasses()
          + " classes");
    }
    if (model.numClasses() > 256) {
      throw new IllegalArgumentException(model.numClasses() + " classes do not fit an 8-bit PNG mask");
    }
    this.name = name;
    this.model = model;
    this.classes = List.copyOf(classes);
    model.eval();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String platform() {
    return "nets4j_segmentation";
  }

  @Override
  public TensorSpec input() {
    return new TensorSpec("input", TensorData.FP32, new long[] {-1, model.inChannels(), -1, -1});
  }

  @Override
  public List<TensorSpec> outputs() {
    return List.of(new TensorSpec("out", TensorData.FP32, new long[] {-1, model.numClasses(), -1, -1}),
        new TensorSpec("mask", TensorData.INT64, new long[] {-1, -1, -1}));
  }

  @Override
  public Sample fromImage(RgbImage image) {
    return new Sample(image.toImage().data(), new long[] {3, image.height(), image.width()});
  }

  /** Samples of one size run together; a batch of several sizes runs as one pass per size. */
  @Override
  public List<Map<String, TensorData>> run(List<Sample> batch) {
    List<Map<String, TensorData>> out = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      out.add(null);
    }
    Map<String, List<Integer>> bySize = new LinkedHashMap<>();
    for (int i = 0; i < batch.size(); i++) {
      bySize.computeIfAbsent(Arrays.toString(batch.get(i).shape()), k -> new ArrayList<>()).add(i);
    }
    for (List<Integer> group : bySize.values()) {
      long[] shape = batch.get(group.get(0)).shape();
      int plane = (int) Tensors.numel(shape);
      float[] flat = new float[group.size() * plane];
      for (int j = 0; j < group.size(); j++) {
        System.arraycopy(batch.get(group.get(j)).data(), 0, flat, j * plane, plane);
      }
      try (Scope s = Scope.open(); InferenceMode guard = new InferenceMode()) {
        Tensor scores = model.forward(Tensors.fromFloats(flat, group.size(), shape[0], shape[1], shape[2]))
            .to(DType.FLOAT32.scalarType()).contiguous();
        float[] all = Tensors.toFloatArray(scores);
        long[] masks = Tensors.toLongArray(scores.argmax(new LongOptional(1), false).contiguous());
        int h = (int) shape[1];
        int w = (int) shape[2];
        int c = model.numClasses();
        for (int j = 0; j < group.size(); j++) {
          out.set(group.get(j), Map.of(
              "out", TensorData.fp32("out", new long[] {c, h, w},
                  Arrays.copyOfRange(all, j * c * h * w, (j + 1) * c * h * w)),
              "mask", TensorData.int64("mask", new long[] {h, w}, Arrays.copyOfRange(masks, j * h * w, (j + 1) * h * w))));
        }
      }
    }
    return out;
  }

  @Override
  public Reply imageReply(Map<String, TensorData> outputs, String accept, int topK) {
    TensorData mask = outputs.get("mask");
    int h = (int) mask.shape()[0];
    int w = (int) mask.shape()[1];
    long[] m = mask.int64();
    if (accept.contains(PNG)) {
      BufferedImage png = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
      byte[] pixels = new byte[w * h];
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = (byte) m[i];
      }
      png.getRaster().setDataElements(0, 0, w, h, pixels);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try {
        ImageIO.write(png, "png", bytes);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new Reply(200, PNG, bytes.toByteArray());
    }
    ObjectNode root = JSON.createObjectNode();
    root.put("height", h);
    root.put("width", w);
    ArrayNode names = root.putArray("classes");
    for (int c = 0; c < model.numClasses(); c++) {
      names.add(classes.isEmpty() ? Integer.toString(c) : classes.get(c));
    }
    ArrayNode runs = root.putArray("runs");
    for (int i = 0; i < m.length;) {
      int j = i;
      while (j < m.length && m[j] == m[i]) {
        j++;
      }
      runs.addArray().add(m[i]).add(j - i);
      i = j;
    }
    return Reply.json(200, root.toString());
  }
}
