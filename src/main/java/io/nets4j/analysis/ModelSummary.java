package io.nets4j.analysis;

import io.nets4j.models.Models;
import io.nets4j.nn.Layer;
import io.nets4j.nn.MacCounter;
import io.nets4j.nn.Module;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * A per-layer table of a model, in the spirit of torchinfo and Keras' {@code summary()}: for every
 * layer call its path, type, output shape, parameters, multiply-accumulates (MACs) and, for
 * spatial layers, the receptive field and jump; with totals of parameters, MACs and memory.
 *
 * <pre>{@code
 * ModelSummary s = ModelSummary.of("resnet50");             // input [1, 3, 224, 224]
 * System.out.print(s.render(SummaryFormat.TEXT, 2));
 * long macs = s.totals().macs();                             // 4,100,298,240
 * }</pre>
 *
 * <p>It runs one real forward pass of a zero input at batch 1 (or the given shape) in evaluation
 * mode, without gradients, inside a {@link Scope}, and watches it with a
 * {@link Layer.ForwardObserver}; the model's training flags are restored afterwards. Because it
 * observes calls rather than reading a model description, it works for every model of the
 * registry, including ones added later. MACs follow the per-type rules of {@link LayerRules}
 * plus what layers report through {@link MacCounter}; receptive fields are traced as described in
 * {@link SummaryCollector} (exact for chains; for residual sums and concatenations, which are not
 * layers, the union of the fields on the same grid).
 */
public final class ModelSummary {
  /** The depth shown when none is given (torchinfo's default). */
  public static final int DEFAULT_DEPTH = 3;

  private final String name;
  private final long[] inputShape;
  private final DType dtype;
  private final List<SummaryRow> rows;
  private final SummaryTotals totals;

  private ModelSummary(String name, long[] inputShape, DType dtype, List<SummaryRow> rows, SummaryTotals totals) {
    this.name = name;
    this.inputShape = inputShape;
    this.dtype = dtype;
    this.rows = rows;
    this.totals = totals;
  }

  /** Summarises the registered model {@code modelName} at its native resolution, batch 1, RGB. */
  public static ModelSummary of(String modelName) {
    int size = Models.info(modelName).inputSize();
    return of(modelName, 1, 3, size, size);
  }

  /** Summarises the registered model {@code modelName} (built with its defaults) for an input shape. */
  public static ModelSummary of(String modelName, long... inputShape) {
    checkShape(inputShape);
    return of(modelName, Models.create(modelName), inputShape);
  }

  /** Summarises {@code model} for an input of {@code inputShape}, under its type name (or path). */
  public static ModelSummary of(Layer model, long... inputShape) {
    return of(model.path().isEmpty() ? model.typeName() : model.path(), model, inputShape);
  }

  /**
   * Summarises {@code model} for a zero input of {@code inputShape} with the model's dtype and
   * device; {@code name} labels the root row.
   *
   * @throws IllegalArgumentException if the shape is empty or has a dimension below 1
   * @throws io.nets4j.nn.LayerException if the model rejects the input (naming the layer)
   */
  public static ModelSummary of(String name, Layer model, long... inputShape) {
    Objects.requireNonNull(model, "model");
    checkShape(inputShape);
    long[] shape = inputShape.clone();
    Tensor firstParam = model.namedParameters().values().stream().findFirst().orElse(null);
    DType dtype = model.dtype();
    Map<Module, Boolean> modes = trainingModes(model);
    List<SummaryRow> rows;
    long inputBytes;
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      model.eval();
      Tensor x = Tensors.zeros(dtype, shape);
      if (firstParam != null && !firstParam.device().is_cpu()) {
        x = x.to(firstParam.device(), x.scalar_type());
      }
      inputBytes = x.numel() * x.element_size();
      long[] macSink = new long[1];
      SummaryCollector collector = new SummaryCollector(name, macSink);
      Tensor input = x;
      MacCounter.counting(macSink, () -> Layer.observe(collector, () -> model.forward(input)));
      rows = collector.rows();
    } finally {
      modes.forEach(Module::train);
    }
    return new ModelSummary(name, shape, dtype, rows, totals(model, rows, inputBytes));
  }

  private static void checkShape(long[] shape) {
    if (shape == null || shape.length == 0 || Arrays.stream(shape).anyMatch(d -> d < 1)) {
      throw new IllegalArgumentException("the input shape must have at least one dimension, all >= 1; got "
          + (shape == null ? "none" : Tensors.describe(shape)));
    }
  }

  /** Every module's own flag, parents first, so that replaying them in order restores them all. */
  private static Map<Module, Boolean> trainingModes(Module model) {
    Map<Module, Boolean> modes = new LinkedHashMap<>();
    for (Module m : model.namedModules().values()) {
      modes.put(m, m.isTraining());
    }
    return modes;
  }

  private static SummaryTotals totals(Layer model, List<SummaryRow> rows, long inputBytes) {
    long params = 0;
    long trainable = 0;
    long paramBytes = 0;
    Set<Long> seen = new HashSet<>();
    for (Tensor p : model.namedParameters().values()) {
      if (seen.add(SummaryCollector.address(p))) {
        params += p.numel();
        trainable += p.requires_grad() ? p.numel() : 0;
        paramBytes += p.numel() * p.element_size();
      }
    }
    long bufferElements = 0;
    long bufferBytes = 0;
    for (Tensor b : model.namedBuffers().values()) {
      if (seen.add(SummaryCollector.address(b))) {
        bufferElements += b.numel();
        bufferBytes += b.numel() * b.element_size();
      }
    }
    Map<String, Long> byType = new LinkedHashMap<>();
    long activationBytes = 0;
    for (SummaryRow r : rows) {
      if (r.macs() > 0) {
        byType.merge(r.type(), r.macs(), Math::addExact);
      }
      if (r.leaf()) {
        activationBytes += r.outputBytes();
      }
    }
    List<Map.Entry<String, Long>> sorted = new ArrayList<>(byType.entrySet());
    sorted.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
        .thenComparing(Map.Entry.comparingByKey()));
    Map<String, Long> macsByType = new LinkedHashMap<>();
    sorted.forEach(e -> macsByType.put(e.getKey(), e.getValue()));
    return new SummaryTotals(params, trainable, bufferElements, rows.get(0).macsTotal(), macsByType, inputBytes,
        paramBytes, bufferBytes, activationBytes);
  }

  /** The label of the model (its registry name or type). */
  public String name() {
    return name;
  }

  public long[] inputShape() {
    return inputShape.clone();
  }

  /** The dtype the pass ran in (the model's). */
  public DType dtype() {
    return dtype;
  }

  /** Every layer call, in call order; row 0 is the model. */
  public List<SummaryRow> rows() {
    return rows;
  }

  /** The rows shown in a summary cut at {@code depth} (those with {@code row.depth() <= depth}). */
  public List<SummaryRow> rows(int depth) {
    checkDepth(depth);
    return rows.stream().filter(r -> r.depth() <= depth).toList();
  }

  /** The first call of the layer at {@code path} (the model's name for the root). */
  public SummaryRow row(String path) {
    for (SummaryRow r : rows) {
      if (r.path().equals(path)) {
        return r;
      }
    }
    throw new IllegalArgumentException("no layer '" + path + "' in the summary of " + name);
  }

  public SummaryTotals totals() {
    return totals;
  }

  /** The table cut at {@code depth} in {@code format}. */
  public String render(SummaryFormat format, int depth) {
    checkDepth(depth);
    return switch (format) {
      case TEXT -> SummaryRenderer.text(this, depth);
      case MARKDOWN -> SummaryRenderer.markdown(this, depth);
      case JSON -> SummaryRenderer.json(this, depth);
    };
  }

  private static void checkDepth(int depth) {
    if (depth < 0) {
      throw new IllegalArgumentException("the summary depth must be >= 0, got " + depth);
    }
  }

  @Override
  public String toString() {
    return render(SummaryFormat.TEXT, DEFAULT_DEPTH);
  }
}
