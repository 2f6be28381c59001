package io.nets4j.bench;

import io.nets4j.models.ImageClassifier;
import io.nets4j.models.Models;
import io.nets4j.nn.Layer;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import io.nets4j.train.TrainingLoss;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A model with its input and target generator: an image classifier of the registry, or the LSTM
 * language model {@value #LSTM_LM}. Inputs are random (the time of these models does not depend on
 * the values).
 */
public abstract sealed class Workload {
  /** The name of the suite's LSTM language model. */
  public static final String LSTM_LM = "lstm_lm";
  static final int LM_VOCAB = 10_000;
  static final int LM_STEPS = 35;

  /** The workload of a registered model or {@value #LSTM_LM}. */
  public static Workload of(String name, int inputSize) {
    if (LSTM_LM.equals(name)) {
      return new LanguageModel();
    }
    ImageClassifier m = Models.create(name);
    return new Image(name, m, inputSize > 0 ? inputSize : Models.info(name).inputSize());
  }

  public abstract String name();

  public abstract Layer model();

  /** A batch of inputs. */
  public abstract Tensor input(int batch, DType dtype);

  /** Class targets for the logits of {@link #input}. */
  public abstract Tensor target(int batch);

  /** The training loss of {@code x} against {@link #target}s {@code y} (the trainer's loss for classifiers). */
  public abstract Tensor loss(Tensor x, Tensor y);

  /** The unit of one batch element in throughput figures. */
  public abstract String unit();

  /** A description of the input of batch 1, e.g. {@code 3x224x224}. */
  public abstract String inputDescription();

  /** Whether the model is a convolutional image model (channels-last applies). */
  public abstract boolean images();

  static final class Image extends Workload {
    private final String name;
    private final ImageClassifier model;
    private final int size;
    private final TrainingLoss loss;

    Image(String name, ImageClassifier model, int size) {
      this.name = name;
      this.model = model;
      this.size = size;
      this.loss = TrainingLoss.forModel(model, 0);
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public Layer model() {
      return model;
    }

    @Override
    public Tensor input(int batch, DType dtype) {
      return torch.randn(new long[] {batch, 3, size, size}, Tensors.options(dtype));
    }

    @Override
    public Tensor target(int batch) {
      return torch.randint(model.numClasses(), new long[] {batch}, Tensors.options(DType.INT64));
    }

    @Override
    public Tensor loss(Tensor x, Tensor y) {
      return loss.compute(model, x, y).loss();
    }

    @Override
    public String unit() {
      return "img";
    }

    @Override
    public String inputDescription() {
      return "3x" + size + "x" + size;
    }

    @Override
    public boolean images() {
      return true;
    }
  }

  static final class LanguageModel extends Workload {
    private final LstmLanguageModel model = new LstmLanguageModel(LM_VOCAB, 650, 650, 2);

    @Override
    public String name() {
      return LSTM_LM;
    }

    @Override
    public Layer model() {
      return model;
    }

    @Override
    public Tensor input(int batch, DType dtype) {
      return torch.randint(LM_VOCAB, new long[] {batch, LM_STEPS}, Tensors.options(DType.INT64));
    }

    @Override
    public Tensor target(int batch) {
      return torch.randint(LM_VOCAB, new long[] {(long) batch * LM_STEPS}, Tensors.options(DType.INT64));
    }

    @Override
    public Tensor loss(Tensor x, Tensor y) {
      return TrainingLoss.crossEntropy(model.forward(x), y, 0);
    }

    @Override
    public String unit() {
      return "seq";
    }

    @Override
    public String inputDescription() {
      return LM_STEPS + " tokens";
    }

    @Override
    public boolean images() {
      return false;
    }
  }
}
