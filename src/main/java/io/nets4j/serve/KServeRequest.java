package io.nets4j.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nets4j.tensor.Tensors;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A KServe v2 / Open Inference Protocol inference request body, checked against the model it is
 * for: one FP32 input {@code [N, ...]} whose samples fit {@link ServedModel#input()}, {@code data}
 * flat or nested row-major, and the outputs asked for (all by default). Every defect of the body is
 * a {@link ServeException} of status 400 (413 for a sample over the pixel limit) that says what was
 * wrong; nothing is allocated for more values than the body can hold.
 *
 * @param samples the input split into its samples
 * @param outputs the names of the outputs to return
 * @param id the request's {@code id}, or {@code null}
 */
public record KServeRequest(List<Sample> samples, List<String> outputs, String id) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public KServeRequest {
    samples = List.copyOf(samples);
    outputs = List.copyOf(outputs);
  }

  /** Parses and checks {@code body} for {@code model}. */
  public static KServeRequest parse(byte[] body, ServedModel model) {
    JsonNode request;
    try {
      request = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw ServeException.badRequest("malformed JSON: " + e.getOriginalMessage() + " at line "
          + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr());
    } catch (IOException e) {
      // reading a byte array fails only on its content (a text encoding Jackson detects but cannot decode)
      throw ServeException.badRequest("the request body is not JSON text: " + e.getMessage());
    }
    if (request == null || !request.isObject()) {
      throw ServeException.badRequest("the request body must be a JSON object with \"inputs\"");
    }
    JsonNode inputs = request.get("inputs");
    if (inputs == null || !inputs.isArray() || inputs.size() != 1) {
      throw ServeException.badRequest("\"inputs\" must be an array of one tensor (" + model.input() + ")");
    }
    JsonNode input = inputs.get(0);
    String name = text(input, "name");
    if (!name.equals(model.input().name())) {
      throw ServeException.badRequest("unknown input '" + name + "'; " + model.name() + " takes " + model.input());
    }
    String datatype = text(input, "datatype");
    if (!datatype.equals(TensorData.FP32)) {
      throw ServeException.badRequest("input '" + name + "' has datatype " + datatype + "; " + model.name()
          + " takes " + TensorData.FP32);
    }
    long[] shape = shape(input.get("shape"), name);
    if (shape.length < 1 || shape[0] < 1) {
      throw ServeException.badRequest("input '" + name + "' has shape " + Tensors.describe(shape) + "; "
          + model.name() + " takes " + model.input());
    }
    long[] sampleShape = Arrays.copyOfRange(shape, 1, shape.length);
    model.checkSample(sampleShape);
    long numel = numelWithin(shape, body.length, name);
    JsonNode data = input.get("data");
    if (data == null || !data.isArray()) {
      throw ServeException.badRequest("input '" + name + "' has no \"data\" array");
    }
    float[] values = new float[(int) numel];
    int count = flatten(data, values, 0, name);
    if (count != numel) {
      throw ServeException.badRequest("input '" + name + "' has " + count + " values in \"data\"; its shape "
          + Tensors.describe(shape) + " needs " + numel);
    }
    int n = (int) shape[0];
    int plane = (int) (numel / n);
    List<Sample> samples = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      samples.add(new Sample(Arrays.copyOfRange(values, i * plane, (i + 1) * plane), sampleShape));
    }
    JsonNode id = request.get("id");
    return new KServeRequest(samples, wantedOutputs(model, request.get("outputs")),
        id == null || id.isNull() ? null : id.asText());
  }

  /**
   * The element count of {@code shape}, refused where it exceeds what a body of {@code bodyBytes}
   * can hold (every value takes at least a digit and a comma), overflow included.
   */
  private static long numelWithin(long[] shape, int bodyBytes, String input) {
    long numel = 1;
    for (long d : shape) {
      if (d != 0 && numel > bodyBytes / d) {
        throw ServeException.badRequest("input '" + input + "' has shape " + Tensors.describe(shape)
            + "; the body of " + bodyBytes + " bytes cannot hold them");
      }
      numel *= d;
    }
    return numel;
  }

  private static List<String> wantedOutputs(ServedModel m, JsonNode outputs) {
    List<String> names = m.outputs().stream().map(TensorSpec::name).toList();
    if (outputs == null || outputs.isNull()) {
      return names;
    }
    if (!outputs.isArray()) {
      throw ServeException.badRequest("\"outputs\" must be an array of {\"name\": ...}");
    }
    List<String> wanted = new ArrayList<>();
    for (JsonNode o : outputs) {
      String name = text(o, "name");
      if (!names.contains(name)) {
        throw ServeException.badRequest("unknown output '" + name + "'; " + m.name() + " has " + names);
      }
      wanted.add(name);
    }
    return wanted;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node == null ? null : node.get(field);
    if (v == null || !v.isTextual()) {
      throw ServeException.badRequest("missing string field \"" + field + "\" in " + abbreviate(node));
    }
    return v.asText();
  }

  private static long[] shape(JsonNode shape, String input) {
    if (shape == null || !shape.isArray()) {
      throw ServeException.badRequest("input '" + input + "' has no \"shape\" array");
    }
    long[] s = new long[shape.size()];
    for (int i = 0; i < s.length; i++) {
      JsonNode d = shape.get(i);
      if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
        throw ServeException.badRequest("input '" + input + "' has shape entry " + d + "; entries are integers >= 0");
      }
      s[i] = d.asLong();
    }
    return s;
  }

  /** Copies the numbers of a flat or nested (row-major) array into {@code into}; returns the count seen. */
  private static int flatten(JsonNode data, float[] into, int at, String input) {
    int n = at;
    for (JsonNode v : data) {
      if (v.isArray()) {
        n = flatten(v, into, n, input);
      } else if (v.isNumber()) {
        if (n < into.length) {
          into[n] = v.floatValue();
        }
        n++;
      } else {
        throw ServeException.badRequest("input '" + input + "' has a non-number in \"data\": " + abbreviate(v));
      }
    }
    return n;
  }

  private static String abbreviate(JsonNode node) {
    String s = String.valueOf(node);
    return s.length() > 80 ? s.substring(0, 77) + "..." : s;
  }
}
