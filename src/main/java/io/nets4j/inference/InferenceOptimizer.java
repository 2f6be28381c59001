package io.nets4j.inference;

import io.nets4j.io.LoadMode;
import io.nets4j.io.StateDicts;
import io.nets4j.models.ImageClassifier;
import io.nets4j.models.ModelOptions;
import io.nets4j.models.Models;
import io.nets4j.nn.Activation;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.Layer;
import io.nets4j.nn.Linear;
import io.nets4j.nn.PostOp;
import io.nets4j.tensor.CpuCapabilities;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;

/**
 * Prepares a model for fast CPU inference: evaluation mode, batch norm folded into the preceding
 * convolutions ({@link BatchNormFolding}), weights in channels-last memory format, optionally
 * bfloat16 weights, convolution and linear weights packed once into oneDNN's layout
 * ({@link Conv2d#packForInference}, {@link Linear#packForInference}) with the activation that follows
 * each computed inside its kernel (oneDNN post-ops: ReLU, ReLU6, SiLU, Hardswish, and GELU after
 * linear layers, as PyTorch's inductor fuses them), libtorch's thread count, and forward passes under
 * {@code InferenceMode} ({@link OptimizedModel}).
 *
 * <p>Where this CPU cannot pack bfloat16 weights ({@link CpuCapabilities#bf16WeightPacking()}), a
 * bfloat16 model keeps its convolutions unpacked (ATen's reference bfloat16 kernels) and
 * {@link OptimizedModel#fallbacks()} says so; nothing fails.
 *
 * <p>{@link #optimize(String, ImageClassifier, long[], InferenceOptions)} leaves the given model
 * untouched and works on a copy (a fresh model of the same registry name loaded with its
 * state_dict); {@link #optimizeInPlace} changes the given model and suits any layer. The thread
 * count is a process-wide libtorch setting.
 */
public final class InferenceOptimizer {
  private InferenceOptimizer() {}

  /**
   * An optimised copy of {@code model}, a model of the registry named {@code name}.
   *
   * @param inputShape the shape of a typical input ({@code [1, 3, 224, 224]}); batch norm pairs
   *     are found by running one forward pass of it
   */
  public static OptimizedModel optimize(String name, ImageClassifier model, long[] inputShape, InferenceOptions options) {
    if (inputShape.length != 4) {
      throw new IllegalArgumentException("expected an image input shape [N, C, H, W], got " + Tensors.describe(inputShape));
    }
    ImageClassifier copy = Models.create(name,
        ModelOptions.defaults().withNumClasses(model.numClasses()).withInChannels((int) inputShape[1]));
    copy.to(model.dtype());
    StateDicts.load(copy, model.stateDict(), LoadMode.STRICT);
    try (Scope s = Scope.open()) {
      return optimizeInPlace(copy, torch.randn(inputShape, Tensors.options(model.dtype())), options);
    }
  }

  /**
   * Optimises {@code model} itself: it is put in evaluation mode and, if asked, folded (by watching
   * a forward pass of {@code example}, which only needs the right shape and type).
   */
  public static OptimizedModel optimizeInPlace(Layer model, Tensor example, InferenceOptions options) {
    if (options.threads() > 0) {
      torch.set_num_threads(options.threads());
    }
    model.eval();
    List<BatchNormFolding.Pair> folded = List.of();
    if (options.foldBatchNorm()) {
      folded = BatchNormFolding.fold(model, example);
    }
    if (options.dtype() != DType.FLOAT32) {
      model.to(options.dtype());
    }
    if (options.channelsLast()) {
      toChannelsLast(model);
    }
    List<String> fallbacks = new ArrayList<>();
    boolean pack = options.packWeights();
    CpuCapabilities.Support bf16Packing = CpuCapabilities.current().bf16WeightPacking();
    if (pack && options.dtype() == DType.BFLOAT16 && !bf16Packing.supported()) {
      pack = false;
      fallbacks.add("convolution weights are not packed, so convolutions run unpacked in bfloat16 through ATen's "
          + "reference kernels (slower than float32 on such a CPU): " + bf16Packing.reason());
    }
    int[] packed = pack ? packLayers(model, example, options) : new int[2];
    return new OptimizedModel(model, options, folded, packed[0], packed[1], fallbacks);
  }

  /**
   * Packs every convolution's and linear layer's weight for the input shape it sees in one forward
   * pass of {@code example} ({@link Conv2d#packForInference}, {@link Linear#packForInference}), with
   * the activation that reads its output directly computed inside its kernel ({@link PostOp});
   * returns how many layers were packed and how many activations fused.
   */
  private static int[] packLayers(Layer model, Tensor example, InferenceOptions options) {
    Map<Layer, long[]> inputShapes = new LinkedHashMap<>();
    Map<Layer, Integer> calls = new IdentityHashMap<>();
    Map<Tensor, Layer> producedBy = new IdentityHashMap<>();
    Map<Layer, PostOp> postOps = new IdentityHashMap<>();
    try (Scope s = Scope.open(); InferenceMode guard = new InferenceMode()) {
      Tensor in = OptimizedModel.prepareInput(example, options);
      Layer.observe((layer, input, output) -> {
        if (layer instanceof Conv2d || layer instanceof Linear) {
          inputShapes.putIfAbsent(layer, Tensors.shape(input));
          calls.merge(layer, 1, Integer::sum);
          producedBy.put(output, layer);
        } else if (layer instanceof Activation) {
          Layer producer = producedBy.remove(input);
          if (producer != null) {
            PostOp.forActivation(layer.typeName(), producer instanceof Linear)
                .ifPresent(op -> postOps.putIfAbsent(producer, op));
          }
        }
      }, () -> model.forward(in));
    }
    int packed = 0;
    int fused = 0;
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      for (Map.Entry<Layer, long[]> e : inputShapes.entrySet()) {
        // a layer called more than once might feed its activation on one call only
        PostOp op = calls.get(e.getKey()) == 1 ? postOps.getOrDefault(e.getKey(), PostOp.NONE) : PostOp.NONE;
        long[] shape = e.getValue();
        boolean done = e.getKey() instanceof Conv2d conv ? conv.packForInference(shape, op)
            : ((Linear) e.getKey()).packForInference(Tensors.numel(shape) / shape[shape.length - 1], op);
        if (done) {
          packed++;
          fused += op == PostOp.NONE ? 0 : 1;
        }
      }
    }
    return new int[] {packed, fused};
  }

  /** Stores every 4-d parameter and buffer of {@code model} in channels-last (NHWC) memory format, in place. */
  public static void toChannelsLast(Layer model) {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      for (Tensor t : model.namedParameters().values()) {
        if (t.dim() == 4) {
          t.set_data(t.contiguous(MemoryFormat.ChannelsLast).detach());
        }
      }
      for (Tensor t : model.namedBuffers().values()) {
        if (t.dim() == 4) {
          t.set_data(t.contiguous(MemoryFormat.ChannelsLast).detach());
        }
      }
    }
  }
}
