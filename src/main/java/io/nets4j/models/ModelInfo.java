package io.nets4j.models;

import java.util.List;

/**
 * What the registry knows of a model without building it: the same record for every task.
 *
 * @param name the registry name, as in torchvision or timm ({@code resnet50})
 * @param task what the model does
 * @param family the family ({@code ResNet})
 * @param reference where its structure and parameter names come from ({@code torchvision}, {@code timm}, a paper)
 * @param inputSize the native input resolution (square) in pixels; 0 for sequence models, which take tokens
 * @param paper the paper that introduced the architecture
 */
public record ModelInfo(String name, Task task, String family, String reference, int inputSize, String paper) {
  public ModelInfo {
    if (name == null || name.isBlank() || task == null || family == null || reference == null || paper == null) {
      throw new IllegalArgumentException("model info needs a name, task, family, reference and paper: " + name);
    }
    if (inputSize < 0) {
      throw new IllegalArgumentException(name + ": input size " + inputSize + " < 0");
    }
  }

  /**
   * The weight configurations its reference publishes ({@link Weights#forModel}), in the
   * reference's order; empty for models without published weights and for the tasks other than
   * classification, whose weights nets4j trains itself.
   */
  public List<WeightsInfo> weights() {
    return task == Task.CLASSIFICATION ? Weights.forModel(name) : List.of();
  }
}
