package io.nets4j.sequence;

/**
 * The configuration of a {@link Recurrent} layer, with the arguments and defaults of PyTorch's
 * {@code nn.RNN}, {@code nn.LSTM} and {@code nn.GRU}.
 *
 * @param type the cell
 * @param inputSize features of the input at each step
 * @param hiddenSize features of the hidden state
 * @param numLayers stacked layers; layer {@code l > 0} reads the outputs of layer {@code l - 1}
 * @param bias whether the cells have {@code bias_ih} and {@code bias_hh}
 * @param batchFirst inputs and outputs are {@code [batch, time, features]} instead of {@code [time, batch, features]}
 * @param dropout dropout on the outputs of every layer but the last, in training mode
 * @param bidirectional whether each layer also reads the sequence backwards ({@code _reverse} weights)
 */
public record RecurrentConfig(CellType type, int inputSize, int hiddenSize, int numLayers, boolean bias,
    boolean batchFirst, double dropout, boolean bidirectional) {
  public RecurrentConfig {
    if (type == null) {
      throw new IllegalArgumentException("a recurrent layer needs a cell type");
    }
    if (inputSize <= 0 || hiddenSize <= 0 || numLayers <= 0) {
      throw new IllegalArgumentException("input size, hidden size and layer count must be positive, got "
          + inputSize + ", " + hiddenSize + ", " + numLayers);
    }
    if (dropout < 0 || dropout >= 1) {
      throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
    }
  }

  /** One unidirectional layer with biases, sequence-first, no dropout (PyTorch's defaults). */
  public static RecurrentConfig of(CellType type, int inputSize, int hiddenSize) {
    return new RecurrentConfig(type, inputSize, hiddenSize, 1, true, false, 0, false);
  }

  /** {@code nn.RNN(inputSize, hiddenSize)} (tanh). */
  public static RecurrentConfig rnn(int inputSize, int hiddenSize) {
    return of(CellType.RNN_TANH, inputSize, hiddenSize);
  }

  /** {@code nn.LSTM(inputSize, hiddenSize)}. */
  public static RecurrentConfig lstm(int inputSize, int hiddenSize) {
    return of(CellType.LSTM, inputSize, hiddenSize);
  }

  /** {@code nn.GRU(inputSize, hiddenSize)}. */
  public static RecurrentConfig gru(int inputSize, int hiddenSize) {
    return of(CellType.GRU, inputSize, hiddenSize);
  }

  public RecurrentConfig withLayers(int n) {
    return new RecurrentConfig(type, inputSize, hiddenSize, n, bias, batchFirst, dropout, bidirectional);
  }

  public RecurrentConfig withBias(boolean on) {
    return new RecurrentConfig(type, inputSize, hiddenSize, numLayers, on, batchFirst, dropout, bidirectional);
  }

  public RecurrentConfig withBatchFirst(boolean on) {
    return new RecurrentConfig(type, inputSize, hiddenSize, numLayers, bias, on, dropout, bidirectional);
  }

  public RecurrentConfig withDropout(double p) {
    return new RecurrentConfig(type, inputSize, hiddenSize, numLayers, bias, batchFirst, p, bidirectional);
  }

  public RecurrentConfig withBidirectional(boolean on) {
    return new RecurrentConfig(type, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, on);
  }

  /** ReLU instead of tanh for a plain RNN ({@code nonlinearity='relu'}). */
  public RecurrentConfig withRelu() {
    if (type != CellType.RNN_TANH && type != CellType.RNN_RELU) {
      throw new IllegalArgumentException("only a plain RNN has a choice of non-linearity, not " + type);
    }
    return new RecurrentConfig(CellType.RNN_RELU, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional);
  }

  public int directions() {
    return bidirectional ? 2 : 1;
  }
}
