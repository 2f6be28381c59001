package io.nets4j.analysis;

import io.nets4j.nn.MacCounter;
/**
 * One layer call of a summarised forward pass (a layer called twice has two rows).
 *
 * @param index position in call order (0 is the model itself)
 * @param depth nesting depth of the call (0 for the model, 1 for its direct children, ...)
 * @param path the layer's path in the model, as in its state_dict keys ({@code layer1.0.conv1});
 *     the model's name for the root; {@code <unregistered>} for a layer not registered as a child
 * @param type the layer's type name ({@code Conv2d}, {@code Bottleneck}, {@code ReLU})
 * @param inputShape shape of the call's input
 * @param outputShape shape of the call's output
 * @param params parameters counted on this row alone: the layer's own parameters and those of
 *     descendants that have no row of their own; 0 for a repeated call
 * @param paramsTotal parameters of the layer with all its descendants (also given for a repeated
 *     call, though the summary counts them at the first call only)
 * @param macs multiply-accumulates of this call alone (its type's rule in {@link LayerRules}, plus
 *     what it reported through {@link MacCounter})
 * @param macsTotal multiply-accumulates of this call with everything it called
 * @param outputBytes memory of the output tensor
 * @param leaf whether the call ran no other layer
 * @param repeated whether the same layer object was called before in this pass (shared weights)
 * @param spatial whether the layer is a sliding-window layer (convolution, pooling)
 * @param receptiveField receptive field and jump of the output, for sliding-window layers and for
 *     composite layers with an NCHW output; {@code null} otherwise or when it could not be traced
 */
public record SummaryRow(int index, int depth, String path, String type, long[] inputShape, long[] outputShape,
    long params, long paramsTotal, long macs, long macsTotal, long outputBytes, boolean leaf, boolean repeated,
    boolean spatial, ReceptiveField receptiveField) {

  public SummaryRow {
    inputShape = inputShape.clone();
    outputShape = outputShape.clone();
  }

  @Override
  public long[] inputShape() {
    return inputShape.clone();
  }

  @Override
  public long[] outputShape() {
    return outputShape.clone();
  }

  /** Whether the row stands for its whole subtree in a summary cut at {@code depth}. */
  public boolean collapsedAt(int depth) {
    return leaf || this.depth >= depth;
  }

  /**
   * The parameters counted on this row in a summary cut at {@code depth}: the subtree's when
   * collapsed, none for a repeated call. The rows of a cut add up to the model's parameters.
   */
  public long paramsAt(int depth) {
    return repeated ? 0 : collapsedAt(depth) ? paramsTotal : params;
  }

  /** The MACs shown in a summary cut at {@code depth}: the subtree's when collapsed. */
  public long macsAt(int depth) {
    return collapsedAt(depth) ? macsTotal : macs;
  }
}
