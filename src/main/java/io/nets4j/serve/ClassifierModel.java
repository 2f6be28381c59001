package io.nets4j.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nets4j.data.RgbImage;
import io.nets4j.inference.ImageClassifierPipeline;
import io.nets4j.inference.ImageClassifierPipeline.Label;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An image classifier served with its pipeline's preprocessing and class names: KServe requests
 * give the preprocessed input {@code [N, 3, H, W]} and get the {@code logits} {@code [N, classes]};
 * image requests get TorchServe's answer, a JSON object of the top-k class names to their softmax
 * probabilities, most probable first.
 */
public final class ClassifierModel implements ServedModel {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String name;
  private final ImageClassifierPipeline pipeline;

  public ClassifierModel(String name, ImageClassifierPipeline pipeline) {
    this.name = name;
    this.pipeline = pipeline;
    pipeline.model().eval();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String platform() {
    return "nets4j_classification";
  }

  @Override
  public TensorSpec input() {
    long[] s = pipeline.inputShape();
    return new TensorSpec("input", TensorData.FP32, new long[] {-1, s[0], s[1], s[2]});
  }

  @Override
  public List<TensorSpec> outputs() {
    return List.of(new TensorSpec("logits", TensorData.FP32, new long[] {-1, pipeline.model().numClasses()}));
  }

  @Override
  public Sample fromImage(RgbImage image) {
    return new Sample(pipeline.preprocess(image), pipeline.inputShape());
  }

  @Override
  public List<Map<String, TensorData>> run(List<Sample> batch) {
    float[][] logits = pipeline.logits(batch.stream().map(Sample::data).toArray(float[][]::new));
    List<Map<String, TensorData>> out = new ArrayList<>(logits.length);
    for (float[] l : logits) {
      out.add(Map.of("logits", TensorData.fp32("logits", new long[] {l.length}, l)));
    }
    return out;
  }

  @Override
  public Reply imageReply(Map<String, TensorData> outputs, String accept, int topK) {
    ObjectNode top = JSON.createObjectNode();
    for (Label l : pipeline.top(outputs.get("logits").fp32(), topK)) {
      // ImageNet names two classes "crane" and two "maillot": the index keeps both keys
      top.put(top.has(l.name()) ? l.name() + " (" + l.index() + ")" : l.name(), l.probability());
    }
    return Reply.json(200, top.toString());
  }
}
