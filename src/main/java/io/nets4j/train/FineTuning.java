package io.nets4j.train;

import io.nets4j.io.LoadMode;
import io.nets4j.io.LoadReport;
import io.nets4j.io.StateDicts;
import io.nets4j.io.WeightsFile;
import io.nets4j.models.ImageClassifier;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Fine-tuning a pretrained classifier on a new task: load its weights into a model with another
 * number of classes, and optionally train only the new classifier.
 *
 * <pre>{@code
 * ImageClassifier model = Models.create("resnet18", ModelOptions.defaults().withNumClasses(10));
 * FineTuning.loadPretrained(model, Path.of("resnet18.safetensors"), true);  // all but fc must match
 * FineTuning.freezeBackbone(model);                                          // train fc only
 * }</pre>
 *
 * A frozen backbone's batch-norm layers keep their running statistics: the trainer runs them in
 * evaluation mode (see {@link Trainer}), as torchvision's and timm's fine-tuning recipes do with
 * frozen batch norm.
 */
public final class FineTuning {
  private FineTuning() {}

  /**
   * The state_dict keys of the model's classifier: those {@link ImageClassifier#resetClassifier}
   * replaces. Found by replacing the classifier with one of the same size and copying the old
   * values back, so the model is unchanged afterwards.
   */
  public static Set<String> classifierKeys(ImageClassifier model) {
    Map<String, Tensor> before = model.stateDict();
    model.resetClassifier(model.numClasses());
    Set<String> keys = new LinkedHashSet<>();
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
        Tensor old = before.get(e.getKey());
        if (old != e.getValue()) {
          keys.add(e.getKey());
          if (old != null) {
            e.getValue().copy_(old);
          }
        }
      }
    }
    return keys;
  }

  /**
   * Loads pretrained weights (safetensors or {@code torch.save}, by content) whose classifier may be for another number of classes (e.g.
   * ImageNet's 1000). The classifier's tensors are loaded only where their shapes match; every
   * other tensor must match when {@code strict} (nothing is loaded otherwise), or is loaded where
   * it matches when not.
   *
   * @return what was loaded and what was not
   * @throws IllegalArgumentException in strict mode, listing every tensor outside the classifier that does not match
   */
  public static LoadReport loadPretrained(ImageClassifier model, Path weights, boolean strict) {
    Set<String> head = classifierKeys(model);
    Map<String, Tensor> mine = model.stateDict();
    WeightsFile file = WeightsFile.open(weights);
    Map<String, WeightsFile.TensorInfo> infos = file.tensorInfos();
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Tensor> e : mine.entrySet()) {
      String key = e.getKey();
      if (head.contains(key)) {
        continue;
      }
      WeightsFile.TensorInfo f = infos.get(key);
      if (f == null) {
        problems.add("missing '" + key + "'");
        continue;
      }
      long[] shape = Tensors.shape(e.getValue());
      if (!Arrays.equals(f.shape(), shape) || f.dtype() != Tensors.dtype(e.getValue())) {
        problems.add("'" + key + "': expected " + Tensors.dtype(e.getValue()).safetensorsCode() + " "
            + Arrays.toString(shape) + ", got " + f.dtype().safetensorsCode() + " " + Arrays.toString(f.shape()));
      }
    }
    for (String name : infos.keySet()) {
      if (!mine.containsKey(name)) {
        problems.add("unexpected '" + name + "'");
      }
    }
    if (strict && !problems.isEmpty()) {
      throw new IllegalArgumentException(weights.getFileName() + " does not fit " + model.typeName()
          + " outside its classifier " + head + " (" + problems.size() + " problems), nothing was loaded:\n  "
          + String.join("\n  ", problems));
    }
    return StateDicts.load(model, file, LoadMode.LENIENT, false);
  }

  /**
   * Freezes every parameter outside the classifier ({@code requires_grad = false}), so that the
   * optimizer only trains the classifier.
   *
   * @return the names of the parameters left trainable
   */
  public static Set<String> freezeBackbone(ImageClassifier model) {
    Set<String> head = classifierKeys(model);
    Set<String> trainable = new LinkedHashSet<>();
    for (Map.Entry<String, Tensor> p : model.namedParameters().entrySet()) {
      boolean train = head.contains(p.getKey());
      p.getValue().requires_grad_(train);
      if (train) {
        trainable.add(p.getKey());
      }
    }
    return trainable;
  }
}
