package io.nets4j.analysis;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The totals of a model summary.
 *
 * @param params all registered parameters of the model (each tensor once, as
 *     {@code sum(p.numel() for p in model.parameters())})
 * @param trainableParams those of them that require gradients
 * @param bufferElements elements of all buffers (batch-norm statistics, ...)
 * @param macs multiply-accumulates of the forward pass
 * @param macsByType the MACs per layer type, largest first (ties by name)
 * @param inputBytes memory of the input tensor
 * @param paramBytes memory of the parameters
 * @param bufferBytes memory of the buffers
 * @param activationBytes memory of the forward outputs of all leaf-layer calls: what the pass
 *     keeps alive for a backward pass (torchinfo counts only layers with parameters, then doubles
 *     it for gradients)
 */
public record SummaryTotals(long params, long trainableParams, long bufferElements, long macs,
    Map<String, Long> macsByType, long inputBytes, long paramBytes, long bufferBytes, long activationBytes) {

  public SummaryTotals {
    macsByType = Collections.unmodifiableMap(new LinkedHashMap<>(macsByType));
  }

  public long nonTrainableParams() {
    return params - trainableParams;
  }

  /** Input, parameters, buffers and activations together. */
  public long totalBytes() {
    return inputBytes + paramBytes + bufferBytes + activationBytes;
  }
}
