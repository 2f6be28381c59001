package io.nets4j.inference;

import io.nets4j.nn.Layer;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.MemoryFormat;

/**
 * A model prepared by {@link InferenceOptimizer}: {@link #forward} runs it under libtorch's
 * inference mode ({@code c10::InferenceMode}: no autograd recording, no version counters) and
 * brings the input into the model's memory format and dtype. Outputs are float32.
 */
public final class OptimizedModel {
  private final Layer model;
  private final InferenceOptions options;
  private final List<BatchNormFolding.Pair> folded;
  private final int packedLayers;
  private final int fusedActivations;
  private final List<String> fallbacks;

  OptimizedModel(Layer model, InferenceOptions options, List<BatchNormFolding.Pair> folded, int packedLayers,
      int fusedActivations, List<String> fallbacks) {
    this.model = model;
    this.options = options;
    this.folded = List.copyOf(folded);
    this.packedLayers = packedLayers;
    this.fusedActivations = fusedActivations;
    this.fallbacks = List.copyOf(fallbacks);
  }

  /** Runs the model; the result is an inference tensor (it cannot later enter autograd). */
  public Tensor forward(Tensor x) {
    try (InferenceMode guard = new InferenceMode()) {
      Tensor y = model.forward(prepareInput(x, options));
      return Tensors.dtype(y) == DType.FLOAT32 || !y.is_floating_point() ? y : y.to(DType.FLOAT32.scalarType());
    }
  }

  /** {@code x} in the dtype and memory format the optimised model expects. */
  static Tensor prepareInput(Tensor x, InferenceOptions options) {
    Tensor in = x;
    if (options.dtype() != DType.FLOAT32 && in.is_floating_point()) {
      in = in.to(options.dtype().scalarType());
    }
    if (options.channelsLast() && in.dim() == 4) {
      in = in.contiguous(MemoryFormat.ChannelsLast);
    }
    return in;
  }

  /** The optimised network (in evaluation mode; folded batch norms are identities). */
  public Layer model() {
    return model;
  }

  public InferenceOptions options() {
    return options;
  }

  /** The convolution / batch-norm pairs that were folded. */
  public List<BatchNormFolding.Pair> folded() {
    return folded;
  }

  /**
   * The optimisations asked for that this CPU could not apply, each as a sentence that says what runs
   * instead and which CPU feature is missing; empty when everything asked for is in force.
   */
  public List<String> fallbacks() {
    return fallbacks;
  }

  /** How many convolutions and linear layers run with packed oneDNN weights. */
  public int packedLayers() {
    return packedLayers;
  }

  /** How many activations run inside the kernel of the packed layer before them (oneDNN post-ops). */
  public int fusedActivations() {
    return fusedActivations;
  }
}
