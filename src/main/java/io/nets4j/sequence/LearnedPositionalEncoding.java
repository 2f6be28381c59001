package io.nets4j.sequence;

import io.nets4j.nn.F;
import io.nets4j.nn.Init;
import io.nets4j.nn.Layer;
import io.nets4j.nn.LayerGuard;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * A learned positional embedding (Gehring et al. 2017, "Convolutional Sequence to Sequence
 * Learning"; the variant Vaswani et al. 2017 found equivalent to the sinusoid): one trained vector
 * per position up to {@code maxLength}, {@code weight [maxLength, dModel]} as an
 * {@code nn.Embedding}, initialised N(0, 0.02), added to the input and followed by dropout.
 */
public final class LearnedPositionalEncoding extends Layer {
  private final int maxLength;
  private final int dModel;
  private final double dropout;
  private final boolean batchFirst;
  private final Tensor weight;

  public LearnedPositionalEncoding(int maxLength, int dModel, double dropout, boolean batchFirst) {
    if (maxLength <= 0 || dModel <= 0) {
      throw new IllegalArgumentException("max length and d_model must be positive, got " + maxLength + " and " + dModel);
    }
    this.maxLength = maxLength;
    this.dModel = dModel;
    this.dropout = dropout;
    this.batchFirst = batchFirst;
    this.weight = registerParameter("weight", Init.normal(Tensors.empty(DType.FLOAT32, maxLength, dModel), 0, 0.02));
  }

  @Override
  protected Tensor compute(Tensor x) {
    return add(x, 0);
  }

  /** Adds the embeddings of positions {@code offset .. offset + seq - 1}. */
  public Tensor forward(Tensor x, long offset) {
    return LayerGuard.call(this, () -> add(x, offset));
  }

  private Tensor add(Tensor x, long offset) {
    if (x.dim() != 3 || x.size(2) != dModel) {
      throw fail("expected input of shape " + (batchFirst ? "[batch, seq, " : "[seq, batch, ") + dModel + "], got "
          + Tensors.describe(x));
    }
    long length = x.size(batchFirst ? 1 : 0);
    if (offset < 0 || offset + length > maxLength) {
      throw fail("positions " + offset + ".." + (offset + length - 1) + " exceed the " + maxLength
          + " learned positions");
    }
    Tensor pe = weight.narrow(0, offset, length);
    Tensor y = x.add(batchFirst ? pe.unsqueeze(0) : pe.unsqueeze(1));
    return F.dropout(y, dropout, isTraining());
  }

  public Tensor weight() {
    return weight;
  }

  @Override
  public String typeName() {
    return "LearnedPositionalEncoding";
  }
}
