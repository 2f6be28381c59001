package io.nets4j.sequence;

import io.nets4j.nn.F;
import io.nets4j.nn.Layer;
import io.nets4j.nn.LayerGuard;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The fixed positional encoding of Vaswani et al. 2017: {@code PE(pos, 2i) = sin(pos / 10000^(2i/d))},
 * {@code PE(pos, 2i+1) = cos(pos / 10000^(2i/d))}, added to the input, followed by dropout. It has
 * no parameters or buffers; the table is computed in the input's precision for any length.
 */
public final class SinusoidalPositionalEncoding extends Layer {
  private final int dModel;
  private final double dropout;
  private final boolean batchFirst;

  /**
   * @param dModel the width of the representations
   * @param dropout dropout on the sum, in training mode
   * @param batchFirst inputs are {@code [batch, seq, dModel]} instead of {@code [seq, batch, dModel]}
   */
  public SinusoidalPositionalEncoding(int dModel, double dropout, boolean batchFirst) {
    if (dModel <= 0) {
      throw new IllegalArgumentException("d_model must be positive, got " + dModel);
    }
    this.dModel = dModel;
    this.dropout = dropout;
    this.batchFirst = batchFirst;
  }

  /** Adds the encodings of positions {@code 0 .. seq-1}. */
  @Override
  protected Tensor compute(Tensor x) {
    return add(x, 0);
  }

  /**
   * Adds the encodings of positions {@code offset .. offset + seq - 1}, e.g. for the next tokens of
   * a decoder that has already seen {@code offset} tokens.
   */
  public Tensor forward(Tensor x, long offset) {
    return LayerGuard.call(this, () -> add(x, offset));
  }

  private Tensor add(Tensor x, long offset) {
    if (x.dim() != 3 || x.size(2) != dModel) {
      throw fail("expected input of shape " + (batchFirst ? "[batch, seq, " : "[seq, batch, ") + dModel + "], got "
          + Tensors.describe(x));
    }
    long length = x.size(batchFirst ? 1 : 0);
    Tensor pe = table(offset, length, dModel).to(x.device(), x.scalar_type());
    Tensor y = x.add(batchFirst ? pe.unsqueeze(0) : pe.unsqueeze(1));
    return F.dropout(y, dropout, isTraining());
  }

  /** The encodings of positions {@code offset .. offset + length - 1}, {@code [length, dModel]}, in float64. */
  public static Tensor table(long offset, long length, int dModel) {
    TensorOptions f64 = new TensorOptions(DType.FLOAT64.scalarType());
    Tensor position = torch.arange(new Scalar(offset), new Scalar(offset + length), f64).unsqueeze(1);
    Tensor column = torch.arange(new Scalar(dModel), f64);
    // columns 2i and 2i+1 share the frequency 10000^(-2i/d)
    Tensor pairStart = column.div(new Scalar(2.0)).floor().mul(new Scalar(2.0));
    Tensor frequency = pairStart.mul(new Scalar(-Math.log(10000.0) / dModel)).exp();
    Tensor angle = position.mul(frequency.unsqueeze(0));
    Tensor even = column.remainder(new Scalar(2.0)).eq(new Scalar(0.0)).unsqueeze(0);
    return torch.where(even, angle.sin(), angle.cos());
  }

  @Override
  public String typeName() {
    return "SinusoidalPositionalEncoding";
  }
}
