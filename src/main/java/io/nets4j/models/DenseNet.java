package io.nets4j.models;

import io.nets4j.layers.ClassifierHead.Pooling;
import io.nets4j.nn.Activation;
import io.nets4j.nn.AvgPool2d;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.F;
import io.nets4j.nn.Init;
import io.nets4j.nn.Layer;
import io.nets4j.nn.MaxPool2d;
import io.nets4j.nn.Module;
import io.nets4j.nn.Nets4jException;
import io.nets4j.nn.Sequential;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AutoGradMode;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorBase;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.VoidTensorHook;
import org.bytedeco.pytorch.global.torch;

/**
 * DenseNet-BC (Huang et al. 2017, "Densely Connected Convolutional Networks"), in torchvision's
 * structure and parameter names ({@code features.conv0}, {@code features.norm0},
 * {@code features.denseblock1.denselayer1.norm1}, {@code features.transition1.conv},
 * {@code features.norm5}, {@code classifier}).
 *
 * <p>A 7x7/2 convolution and 3x3/2 max pooling, then four dense blocks. Each dense layer sees the
 * concatenation of all earlier feature maps of its block and adds {@code growthRate} new ones
 * through a bottleneck: BN-ReLU-1x1 convolution to {@code bnSize * growthRate} channels, then
 * BN-ReLU-3x3 convolution. Between blocks a transition (BN, ReLU, 1x1 convolution, 2x2/2 average
 * pooling) halves the channels (compression 0.5) and the resolution. A final batch norm and ReLU,
 * global average pooling and a linear classifier end the network.
 *
 * <h2>Memory-efficient mode</h2>
 * The concatenations make the naive implementation's memory quadratic in the depth of a block:
 * every layer stores its concatenated input and the batch-norm and ReLU outputs of it for the
 * backward pass. With {@link #setMemoryEfficient(boolean) memory-efficient} mode on (Pleiss et
 * al. 2017, "Memory-Efficient Implementation of DenseNets"; torchvision's
 * {@code memory_efficient}), a training forward pass keeps none of these: it computes the
 * bottleneck output without recording the graph, and the backward pass recomputes the
 * concatenation, batch norm, ReLU and 1x1 convolution for that layer only and backpropagates
 * through them. libtorch's C++ API has no {@code torch.utils.checkpoint}, and the bytedeco
 * presets cannot subclass autograd functions, so this is built from tensor hooks (which the
 * presets do expose): see {@link Checkpoint}. The gradients are those of the normal mode (to
 * rounding), and batch-norm running statistics are updated once per forward pass, as in normal
 * mode (torchvision's checkpoint updates them twice). This mode needs the forward and the backward
 * pass inside one {@link Scope}, as every nets4j training step is written: the hooks live in it.
 * It gives first-order gradients only (the recomputation is not differentiated again, as with
 * {@code create_graph}).
 */
public final class DenseNet extends ImageClassifier {
  /**
   * A DenseNet variant.
   *
   * @param growthRate channels added by each dense layer ({@code k} in the paper)
   * @param blockConfig number of dense layers in each of the four blocks
   * @param numInitFeatures channels of the first convolution
   * @param bnSize bottleneck width factor: the 1x1 convolution outputs {@code bnSize * growthRate}
   * @param layerDropRate dropout on each dense layer's new features (torchvision's
   *     {@code drop_rate}; 0 in the published models)
   */
  public record Config(int growthRate, int[] blockConfig, int numInitFeatures, int bnSize, double layerDropRate) {
    public Config {
      blockConfig = blockConfig.clone();
      if (blockConfig.length == 0 || Arrays.stream(blockConfig).anyMatch(n -> n < 1) || growthRate < 1
          || numInitFeatures < 1 || bnSize < 1) {
        throw new IllegalArgumentException("invalid DenseNet config: growth " + growthRate + ", blocks "
            + Arrays.toString(blockConfig) + ", init features " + numInitFeatures + ", bn size " + bnSize);
      }
    }

    @Override
    public int[] blockConfig() {
      return blockConfig.clone();
    }
  }

  private static final String PAPER = "Huang et al. 2017, Densely Connected Convolutional Networks";

  /** Registers DenseNet-121, -161, -169 and -201. */
  static void register(Models.Registrar r) {
    variant(r, "densenet121", new Config(32, new int[] {6, 12, 24, 16}, 64, 4, 0));
    variant(r, "densenet161", new Config(48, new int[] {6, 12, 36, 24}, 96, 4, 0));
    variant(r, "densenet169", new Config(32, new int[] {6, 12, 32, 32}, 64, 4, 0));
    variant(r, "densenet201", new Config(32, new int[] {6, 12, 48, 32}, 64, 4, 0));
  }

  private static void variant(Models.Registrar r, String name, Config config) {
    r.add(name, "DenseNet", "torchvision", 224, PAPER, options -> new DenseNet(config, options));
  }

  private final Sequential features;
  private final List<DenseBlock> blocks = new ArrayList<>();
  private final double dropRate;
  private boolean memoryEfficient;

  public DenseNet(Config config, ModelOptions options) {
    features = register("features", new Sequential());
    features.add("conv0", new Conv2d(options.inChannels(), config.numInitFeatures,
        ConvSpec.kernel(7).stride(2).padding(3).noBias()));
    features.add("norm0", new BatchNorm2d(config.numInitFeatures));
    features.add("relu0", Activation.relu());
    features.add("pool0", new MaxPool2d(3, 2, 1));
    int channels = config.numInitFeatures;
    for (int i = 0; i < config.blockConfig.length; i++) {
      DenseBlock block = new DenseBlock(config.blockConfig[i], channels, config.bnSize, config.growthRate,
          config.layerDropRate);
      features.add("denseblock" + (i + 1), block);
      blocks.add(block);
      channels += config.blockConfig[i] * config.growthRate;
      if (i != config.blockConfig.length - 1) {
        features.add("transition" + (i + 1), transition(channels, channels / 2));
        channels /= 2;
      }
    }
    features.add("norm5", new BatchNorm2d(channels));
    declareFeatures(config);
    dropRate = options.dropRateOr(0);
    registerClassifier("classifier", channels, options.numClasses(),
        ClassifierFactory.linear(fc -> Init.zeros(fc.bias())));
    for (Module m : namedModules().values()) {
      if (m instanceof Conv2d c) {
        Init.kaimingNormalFanIn(c.weight());
      }
    }
  }

  /**
   * timm's {@code feature_info}: {@code relu0} (timm's {@code norm0}, a norm with its activation;
   * stride 2), each dense block but the last before its transition (4, 8, 16) and {@code norm5}
   * (32; forwardFeatures applies the final ReLU to it).
   */
  private void declareFeatures(Config config) {
    Map<String, Module> layers = features.children();
    declareFeature((Layer) layers.get("relu0"), config.numInitFeatures, 2);
    int channels = config.numInitFeatures;
    for (int i = 0; i < config.blockConfig.length; i++) {
      channels += config.blockConfig[i] * config.growthRate;
      if (i != config.blockConfig.length - 1) {
        declareFeature((Layer) layers.get("denseblock" + (i + 1)), channels, 4 << i);
        channels /= 2;
      }
    }
    declareFeature((Layer) layers.get("norm5"), channels, 4 << (config.blockConfig.length - 1));
  }

  private static Sequential transition(int in, int out) {
    return new Sequential()
        .add("norm", new BatchNorm2d(in))
        .add("relu", Activation.relu())
        .add("conv", new Conv2d(in, out, ConvSpec.kernel(1).noBias()))
        .add("pool", new AvgPool2d(2, 2));
  }

  /**
   * Turns the memory-efficient mode on or off (off by default); it changes the memory, not the
   * function. See the class comment.
   */
  public void setMemoryEfficient(boolean on) {
    memoryEfficient = on;
    for (DenseBlock b : blocks) {
      for (DenseLayer l : b.layers) {
        l.memoryEfficient = on;
      }
    }
  }

  public boolean isMemoryEfficient() {
    return memoryEfficient;
  }

  /** Up to {@code features.norm5} and the final ReLU: {@code [N, numFeatures, H/32, W/32]}. */
  @Override
  public Tensor forwardFeatures(Tensor x) {
    return F.relu(features.forward(x));
  }

  @Override
  public Tensor forwardHead(Tensor x) {
    return classifier().forward(F.dropout(Pooling.AVERAGE.apply(x), dropRate, isTraining()));
  }

  /** Dense layers {@code denselayer1..n}; each sees all the feature maps before it. */
  static final class DenseBlock extends Layer {
    private final List<DenseLayer> layers = new ArrayList<>();

    DenseBlock(int numLayers, int inChannels, int bnSize, int growthRate, double dropRate) {
      for (int i = 0; i < numLayers; i++) {
        layers.add(register("denselayer" + (i + 1),
            new DenseLayer(inChannels + i * growthRate, growthRate, bnSize, dropRate)));
      }
    }

    @Override
    protected Tensor compute(Tensor x) {
      List<Tensor> maps = new ArrayList<>();
      maps.add(x);
      for (DenseLayer l : layers) {
        maps.add(l.forward(maps));
      }
      return Tensors.cat(maps, 1);
    }
  }

  /**
   * BN-ReLU-1x1 convolution (the bottleneck) and BN-ReLU-3x3 convolution, on the concatenation of
   * its inputs. It takes the list of earlier feature maps rather than their concatenation so that
   * the memory-efficient mode can rebuild the concatenation in the backward pass.
   */
  static final class DenseLayer extends Module {
    private final BatchNorm2d norm1;
    private final Activation relu1;
    private final Conv2d conv1;
    private final BatchNorm2d norm2;
    private final Activation relu2;
    private final Conv2d conv2;
    private final double dropRate;
    private boolean memoryEfficient;

    DenseLayer(int in, int growthRate, int bnSize, double dropRate) {
      norm1 = register("norm1", new BatchNorm2d(in));
      relu1 = register("relu1", Activation.relu());
      conv1 = register("conv1", new Conv2d(in, bnSize * growthRate, ConvSpec.kernel(1).noBias()));
      norm2 = register("norm2", new BatchNorm2d(bnSize * growthRate));
      relu2 = register("relu2", Activation.relu());
      conv2 = register("conv2", new Conv2d(bnSize * growthRate, growthRate, ConvSpec.kernel(3).padding(1).noBias()));
      this.dropRate = dropRate;
    }

    Tensor forward(List<Tensor> inputs) {
      Tensor y = conv2.forward(relu2.forward(norm2.forward(bottleneck(inputs))));
      return F.dropout(y, dropRate, isTraining());
    }

    private Tensor bottleneck(List<Tensor> inputs) {
      boolean recordsGraph = GradMode.is_enabled() && inputs.stream().anyMatch(Tensor::requires_grad);
      if (memoryEfficient && recordsGraph) {
        return new Checkpoint(this, inputs).forward();
      }
      return conv1.forward(relu1.forward(norm1.forward(Tensors.cat(inputs, 1))));
    }

    /**
     * The bottleneck again, in the backward pass: same batch statistics (training) or running
     * statistics (eval) as the forward pass, without updating the running statistics a second time.
     */
    private Tensor recomputeBottleneck(Tensor x) {
      boolean training = isTraining();
      Tensor normed = F.batchNorm(x, norm1.weight(), norm1.bias(),
          training ? null : norm1.runningMean(), training ? null : norm1.runningVar(), training, 0, norm1.eps());
      return conv1.forward(relu1.forward(normed));
    }
  }

  /**
   * Gradient checkpointing of one dense layer's bottleneck, made of two tensor hooks.
   *
   * <p>Forward: the concatenation {@code x} is computed in the graph (its backward, a split, keeps
   * no tensor), the bottleneck output {@code b} from it without recording the graph, and the layer
   * returns {@code b + sum(x[:, 0:0])}: the same values (the sum of an empty slice is exactly 0),
   * but a graph edge from the output back to {@code x} and thus to the earlier feature maps. No
   * Java handle of {@code x} or of the intermediate results outlives the forward pass, so their
   * memory is released.
   *
   * <p>Backward: a hook on the output captures its gradient {@code g}; the zero gradient that then
   * reaches {@code x} through the empty slice is overwritten, by a hook on {@code x}, with the true
   * gradient: the bottleneck is recomputed from the (kept) earlier feature maps with the graph
   * recorded and backpropagated with {@code g}, which also accumulates the gradients of norm1 and
   * conv1. The autograd engine then passes the gradient of {@code x} on to the earlier layers.
   */
  private static final class Checkpoint {
    private final DenseLayer layer;
    private final List<Tensor> inputs;
    private Tensor outputGrad;

    Checkpoint(DenseLayer layer, List<Tensor> inputs) {
      this.layer = layer;
      this.inputs = List.copyOf(inputs);
    }

    Tensor forward() {
      if (PointerScope.getInnerScope() == null) {
        throw new Nets4jException(layer.path() + ": the memory-efficient DenseNet needs its forward and "
            + "backward pass inside one io.nets4j.tensor.Scope (it keeps backward hooks there)");
      }
      // created in the caller's scope, so that they live until its backward pass
      VoidTensorHook captureGrad = new VoidTensorHook() {
        @Override
        public void call(TensorBase g) {
          capture(g);
        }
      };
      VoidTensorHook injectGrad = new VoidTensorHook() {
        @Override
        public void call(TensorBase g) {
          inject(g);
        }
      };
      try (Scope local = Scope.open()) {
        Tensor x = Tensors.cat(inputs, 1);
        Tensor b;
        try (NoGradGuard noGrad = new NoGradGuard()) {
          b = layer.conv1.forward(layer.relu1.forward(layer.norm1.forward(x)));
        }
        Tensor out = b.add(x.narrow(1, 0, 0).sum());
        x.register_hook(injectGrad);
        out.register_hook(captureGrad);
        return local.keep(out);
      }
    }

    private void capture(TensorBase g) {
      try (Scope local = Scope.open()) {
        outputGrad = new Tensor(g);
        outputGrad.retainReference();
      }
    }

    private void inject(TensorBase zeros) {
      if (outputGrad == null) {
        throw new IllegalStateException(layer.path() + ": no gradient reached the bottleneck output");
      }
      try (Scope local = Scope.open()) {
        Tensor x;
        try (AutoGradMode gradOn = new AutoGradMode(true)) {
          x = Tensors.cat(inputs, 1).detach().requires_grad_(true);
          Tensor b = layer.recomputeBottleneck(x);
          torch.backward(new TensorVector(b), new TensorVector(outputGrad), new BoolOptional(false), false,
              new TensorVector());
        }
        new Tensor(zeros).copy_(x.grad());
      } finally {
        outputGrad.releaseReference();
        outputGrad = null;
      }
    }
  }
}
