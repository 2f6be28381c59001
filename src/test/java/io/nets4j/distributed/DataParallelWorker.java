package io.nets4j.distributed;

import io.nets4j.layers.ClassifierHead.Pooling;
import io.nets4j.models.ImageClassifier;
import io.nets4j.nn.Activation;
import io.nets4j.nn.AdaptiveAvgPool2d;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Sequential;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.NativeRuntime;
import io.nets4j.tensor.Tensors;
import io.nets4j.train.BatchSource;
import io.nets4j.train.BatchStream;
import io.nets4j.train.DataSpec;
import io.nets4j.train.LabeledBatch;
import io.nets4j.train.OptimizerSpec;
import io.nets4j.train.ScheduleSpec;
import io.nets4j.train.TrainConfig;
import io.nets4j.train.Trainer;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * One rank of the equivalence tests ({@link DataParallelTest}): trains a small float64 model (an
 * MLP, or a convolution with batch norm; no dropout) with SGD on generated shapes and writes its
 * final parameters and floating-point buffers. Run as a child JVM with torchrun's variables, or
 * in-process without them (one process).
 */
public final class DataParallelWorker {
  static final int TRAIN_SIZE = 48;
  static final int EPOCHS = 2;

  private DataParallelWorker() {}

  /** {@code args}: batch size per process, output file of this rank's parameters, {@code mlp} or {@code sync-bn}. */
  public static void main(String[] args) throws IOException {
    NativeRuntime.load();
    torch.set_num_threads(1);
    DistributedConfig config = DistributedConfig.fromEnvironment(System.getenv(), DistributedBackend.GLOO)
        .orElseThrow();
    DistributedGroup group = ProcessGroups.connect(config);
    write(train(Integer.parseInt(args[0]), group, args[2].equals("sync-bn")), Path.of(args[1]));
    System.exit(0);
  }

  /**
   * Trains {@link #EPOCHS} epochs with {@code batch} images per process; {@code group} null: one
   * process. With {@code batchNorm} the model has a batch norm, synchronised over the ranks.
   */
  static Map<String, double[]> train(int batch, DistributedGroup group, boolean batchNorm) {
    DataSpec.Opened data = DataSpec.parse("shapes").open(new DataSpec.Options(16, TRAIN_SIZE, 8, 0.1, 3));
    ImageClassifier model = model(batchNorm);
    TrainConfig config = TrainConfig.builder(EPOCHS).optimizer(OptimizerSpec.sgd(0.2).withMomentum(0.9)
        .withWeightDecay(1e-3)).schedule(ScheduleSpec.constant()).seed(5).logEverySteps(0).build();
    int rank = group == null ? 0 : group.rank();
    int world = group == null ? 1 : group.worldSize();
    Trainer trainer = new Trainer(model, "mlp", config).progress(Trainer.ProgressMode.NONE)
        .output(new PrintStream(OutputStream.nullOutputStream()));
    if (group != null) {
      trainer.distributed(group, 1024).syncBatchNorm(batchNorm); // small buckets: several allreduces per step
    }
    trainer.fit(float64(data.trainBatches(batch, 0, 11, 0, 0, rank, world)), null);
    return parameters(model);
  }

  /** The parameters and buffers before training. */
  static Map<String, double[]> initial(boolean batchNorm) {
    return parameters(model(batchNorm));
  }

  private static ImageClassifier model(boolean batchNorm) {
    torch.manual_seed(7);
    ImageClassifier model = batchNorm ? new ConvBn(8, 6) : new Mlp(3 * 16 * 16, 16, 6);
    model.to(DType.FLOAT64);
    return model;
  }

  private static Map<String, double[]> parameters(ImageClassifier model) {
    Map<String, double[]> params = new LinkedHashMap<>();
    model.namedParameters().forEach((k, v) -> params.put(k, Tensors.toDoubleArray(v)));
    model.namedBuffers().forEach((k, v) -> {
      if (v.is_floating_point()) {
        params.put(k, Tensors.toDoubleArray(v));
      }
    });
    return params;
  }

  private static BatchSource float64(BatchSource source) {
    return new BatchSource() {
      @Override
      public int batchesPerEpoch() {
        return source.batchesPerEpoch();
      }

      @Override
      public BatchStream open(int epoch, int first) {
        BatchStream s = source.open(epoch, first);
        return new BatchStream() {
          @Override
          public boolean hasNext() {
            return s.hasNext();
          }

          @Override
          public LabeledBatch next() {
            LabeledBatch b = s.next();
            return new LabeledBatch(b.images().to(DType.FLOAT64.scalarType()), b.labels());
          }

          @Override
          public void close() {
            s.close();
          }
        };
      }
    };
  }

  static void write(Map<String, double[]> params, Path file) throws IOException {
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
      out.writeInt(params.size());
      for (Map.Entry<String, double[]> e : params.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeInt(e.getValue().length);
        for (double d : e.getValue()) {
          out.writeDouble(d);
        }
      }
    }
  }

  static Map<String, double[]> read(Path file) throws IOException {
    try (java.io.DataInputStream in = new java.io.DataInputStream(Files.newInputStream(file))) {
      Map<String, double[]> params = new LinkedHashMap<>();
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        String k = in.readUTF();
        double[] v = new double[in.readInt()];
        for (int j = 0; j < v.length; j++) {
          v[j] = in.readDouble();
        }
        params.put(k, v);
      }
      return params;
    }
  }

  /** Convolution (stride 2), batch norm, ReLU, global average pooling, linear. */
  static final class ConvBn extends ImageClassifier {
    private final Sequential features;

    ConvBn(int width, int classes) {
      AdaptiveAvgPool2d pool = register("pool", new AdaptiveAvgPool2d(1, 1));
      features = register("features", new Sequential(new Conv2d(3, width, ConvSpec.kernel(3).stride(2).padding(1)
          .noBias()), new BatchNorm2d(width), Activation.relu()));
      registerClassifier("fc", width, classes, ClassifierFactory.linear());
      declareHead(pool, null, null);
    }

    @Override
    public Tensor forwardFeatures(Tensor x) {
      return features.forward(x);
    }
  }

  /** Flatten, linear, ReLU, linear. */
  static final class Mlp extends ImageClassifier {
    private final Linear hidden;

    Mlp(int in, int width, int classes) {
      hidden = register("hidden", new Linear(in, width));
      registerClassifier("fc", width, classes, ClassifierFactory.linear());
      declareHead(Pooling.NONE, null);
    }

    @Override
    public Tensor forwardFeatures(Tensor x) {
      return Activation.relu().forward(hidden.forward(x.flatten(1, -1)));
    }
  }
}
