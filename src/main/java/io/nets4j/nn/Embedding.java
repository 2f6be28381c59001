package io.nets4j.nn;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A lookup table of {@code numEmbeddings} vectors ({@code nn.Embedding}): {@code weight
 * [numEmbeddings, dim]}, initialised N(0, 1). The row of {@code paddingIdx}, if given, starts at
 * zero and receives no gradient.
 */
public final class Embedding extends Layer {
  private final int numEmbeddings;
  private final int embeddingDim;
  private final long paddingIdx;
  private final Tensor weight;

  public Embedding(int numEmbeddings, int embeddingDim) {
    this(numEmbeddings, embeddingDim, -1);
  }

  /** @param paddingIdx the padding token's row, or -1 for none */
  public Embedding(int numEmbeddings, int embeddingDim, int paddingIdx) {
    if (paddingIdx < -1 || paddingIdx >= numEmbeddings) {
      throw new IllegalArgumentException("padding index " + paddingIdx + " is outside [0, " + numEmbeddings + ")");
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = paddingIdx;
    this.weight = registerParameter("weight",
        Init.normal(Tensors.empty(DType.FLOAT32, numEmbeddings, embeddingDim), 0, 1));
    if (paddingIdx >= 0) {
      try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
        weight.select(0, paddingIdx).zero_();
      }
    }
  }

  /** Looks up integer indices of any shape {@code S}, giving {@code S + [dim]}. */
  @Override
  protected Tensor compute(Tensor indices) {
    DType t = Tensors.dtype(indices);
    if (t != DType.INT64 && t != DType.INT32) {
      throw fail("expected int64 or int32 indices, got " + t.torchName() + " " + Tensors.describe(indices));
    }
    if (indices.numel() > 0) {
      long min = indices.min().item_long();
      long max = indices.max().item_long();
      if (min < 0 || max >= numEmbeddings) {
        throw fail("index " + (min < 0 ? min : max) + " is outside the table of " + numEmbeddings + " rows");
      }
    }
    return torch.embedding(weight, indices, paddingIdx, false, false);
  }

  public Tensor weight() {
    return weight;
  }

  public int numEmbeddings() {
    return numEmbeddings;
  }

  public int embeddingDim() {
    return embeddingDim;
  }

  @Override
  public String typeName() {
    return "Embedding";
  }
}
