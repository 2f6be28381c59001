package io.nets4j.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nets4j.nn.Nets4jException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A reference model fixture: {@code NAME.json} (the reference state_dict layout, parameter count,
 * input and output shapes) and {@code NAME.output.safetensors} (reference outputs in float32 and
 * float64, and calibrated BatchNorm statistics).
 *
 * @param name the fixture name (file stem)
 * @param model the reference model function, which is also the nets4j registry name
 * @param source the reference library and version
 * @param numParams trainable parameter count of the reference
 * @param stateDict the reference state_dict entries, in order
 * @param inputShape shape of the input filled by the input rule
 * @param outputShape shape of the reference output
 * @param outputs path of the outputs file
 */
public record ModelFixture(String name, String model, String source, long numParams,
    List<StateEntry> stateDict, long[] inputShape, long[] outputShape, Path outputs) {

  /** One reference state_dict entry: key, shape and PyTorch dtype name ({@code float32}, {@code int64}). */
  public record StateEntry(String key, long[] shape, String dtype) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Whether {@code json} is a model fixture (a JSON object with a {@code model} key). */
  public static boolean isModelFixture(Path json) {
    try {
      JsonNode root = JSON.readTree(json.toFile());
      return root != null && root.isObject() && root.has("model");
    } catch (IOException e) {
      return false;
    }
  }

  public static ModelFixture read(Path json) {
    String file = json.getFileName().toString();
    String name = file.endsWith(".json") ? file.substring(0, file.length() - 5) : file;
    JsonNode root;
    try {
      root = JSON.readTree(json.toFile());
    } catch (IOException e) {
      throw new Nets4jException(json + ": not a readable JSON fixture: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject() || !root.hasNonNull("model")) {
      throw new Nets4jException(json + ": not a model fixture (no \"model\" key)");
    }
    List<StateEntry> entries = new ArrayList<>();
    for (JsonNode e : require(root, "state_dict", json)) {
      entries.add(new StateEntry(e.get(0).asText(), shape(e.get(1)), e.get(2).asText()));
    }
    Path outputs = json.resolveSibling(name + ".output.safetensors");
    if (!Files.isRegularFile(outputs)) {
      throw new Nets4jException(json + ": outputs file " + outputs.getFileName() + " is missing");
    }
    return new ModelFixture(name, root.get("model").asText(), root.path("source").asText(""),
        require(root, "num_params", json).asLong(), List.copyOf(entries),
        shape(require(root, "input_shape", json)), shape(require(root, "output_shape", json)), outputs);
  }

  private static JsonNode require(JsonNode root, String key, Path json) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) {
      throw new Nets4jException(json + ": fixture has no \"" + key + "\"");
    }
    return n;
  }

  private static long[] shape(JsonNode n) {
    long[] s = new long[n.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = n.get(i).asLong();
    }
    return s;
  }
}
