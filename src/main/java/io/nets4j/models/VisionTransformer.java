package io.nets4j.models;

import io.nets4j.layers.ClassifierHead;
import io.nets4j.layers.Mlp;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Dropout;
import io.nets4j.nn.Init;
import io.nets4j.nn.Layer;
import io.nets4j.nn.LayerNorm;
import io.nets4j.nn.Linear;
import io.nets4j.nn.MultiheadAttention;
import io.nets4j.nn.RecordsAttention;
import io.nets4j.nn.Sequential;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Vision Transformer (Dosovitskiy et al. 2021, "An Image is Worth 16x16 Words: Transformers for
 * Image Recognition at Scale"), in torchvision's structure and parameter names.
 *
 * <p>The image is cut into {@code p x p} patches by a strided convolution ({@code conv_proj}); a
 * learnt {@code class_token} is prepended and a learnt position embedding
 * ({@code encoder.pos_embedding}) added; pre-norm transformer blocks
 * ({@code encoder.layers.encoder_layer_i}: LayerNorm, multi-head self-attention, LayerNorm, GELU
 * MLP, with residuals) and a final LayerNorm ({@code encoder.ln}, eps 1e-6 everywhere) follow, and
 * the class token's output goes through {@code heads.head}.
 *
 * <p><b>Other resolutions.</b> The position embedding is learnt for one grid of patches (14 x 14
 * for {@code vit_b_16} at 224). Both ways of using another square resolution resample its grid part
 * bicubically with {@code align_corners=True}, leaving the class token's entry alone, exactly as
 * torchvision's {@code interpolate_embeddings}:
 * <ul>
 *   <li>automatically: a square input whose side is another multiple of the patch size is accepted
 *       and the embedding is resampled on the fly at every forward pass (the stored parameter is
 *       unchanged; gradients flow back through the resampling);
 *   <li>permanently: {@link #resizePositionEmbedding(int)} replaces the stored parameter by its
 *       resampled version, as when torchvision loads a checkpoint into a model built for another
 *       {@code image_size}; the state_dict then has the new shape. Do this before fine-tuning at
 *       the new size (and before creating the optimizer).
 * </ul>
 * {@link #interpolatePositionEmbedding(Tensor, int)} is the resampling itself, for a state_dict entry.
 *
 * <p><b>Attention weights.</b> Every {@code self_attention} module (an {@link MultiheadAttention},
 * batch first, as torchvision's {@code nn.MultiheadAttention}) implements
 * {@link RecordsAttention}; its maps have shape {@code [N, heads, 1 + g*g, 1 + g*g]}, token 0 being
 * the class token and tokens {@code 1..} the patches in row-major order of the {@code g x g} grid.
 */
public final class VisionTransformer extends ImageClassifier {
  /**
   * A ViT variant.
   *
   * @param patchSize side of the square patches
   * @param numLayers number of transformer blocks
   * @param numHeads attention heads per block
   * @param hiddenDim token width
   * @param mlpDim hidden width of the MLPs
   */
  public record Config(int patchSize, int numLayers, int numHeads, int hiddenDim, int mlpDim) {
    public Config {
      if (patchSize < 1 || numLayers < 1 || numHeads < 1 || mlpDim < 1 || hiddenDim % numHeads != 0) {
        throw new IllegalArgumentException("invalid ViT config: patch " + patchSize + ", " + numLayers
            + " layers, " + numHeads + " heads, width " + hiddenDim + " (must be a multiple of the heads), mlp " + mlpDim);
      }
    }
  }

  static final double LN_EPS = 1e-6;
  private static final int DEFAULT_IMAGE_SIZE = 224;
  private static final String PAPER =
      "Dosovitskiy et al. 2021, An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale";

  /** Registers torchvision's ViT variants. */
  static void register(Models.Registrar r) {
    variant(r, "vit_b_16", new Config(16, 12, 12, 768, 3072));
    variant(r, "vit_b_32", new Config(32, 12, 12, 768, 3072));
    variant(r, "vit_l_16", new Config(16, 24, 16, 1024, 4096));
    variant(r, "vit_l_32", new Config(32, 24, 16, 1024, 4096));
    variant(r, "vit_h_14", new Config(14, 32, 16, 1280, 5120));
  }

  private static void variant(Models.Registrar r, String name, Config config) {
    r.add(name, "VisionTransformer", "torchvision", DEFAULT_IMAGE_SIZE, PAPER,
        options -> new VisionTransformer(config, options));
  }

  private final Config config;
  private final Conv2d convProj;
  private final Tensor classToken;
  private final Encoder encoder;
  private final Sequential heads;
  private int imageSize;

  /** A model for 224 x 224 images. */
  public VisionTransformer(Config config, ModelOptions options) {
    this(config, DEFAULT_IMAGE_SIZE, options);
  }

  /**
   * A model whose position embedding is learnt for {@code imageSize x imageSize} images.
   * {@code options.dropRate()} is torchvision's {@code dropout} (after the position embedding, the
   * attention and in the MLPs; default 0); ViT has no stochastic depth, so {@code dropPathRate} is unused.
   */
  public VisionTransformer(Config config, int imageSize, ModelOptions options) {
    if (imageSize % config.patchSize != 0) {
      throw new IllegalArgumentException("image size " + imageSize + " is not a multiple of the patch size "
          + config.patchSize);
    }
    this.config = config;
    this.imageSize = imageSize;
    int d = config.hiddenDim;
    int p = config.patchSize;
    convProj = register("conv_proj", new Conv2d(options.inChannels(), d, ConvSpec.kernel(p).stride(p)));
    classToken = registerParameter("class_token", Tensors.zeros(DType.FLOAT32, 1, 1, d));
    int grid = imageSize / p;
    encoder = register("encoder", new Encoder(config, grid * grid + 1, options.dropRateOr(0.0)));
    heads = register("heads", new ClassifierHead(ClassifierHead.Pooling.TOKEN));
    addClassifier(heads, "head", d, options.numClasses(), ClassifierFactory.linear(head -> {
      Init.zeros(head.weight());
      Init.zeros(head.bias());
    }));
    Init.truncNormal(convProj.weight(), Math.sqrt(1.0 / Init.fanIn(convProj.weight())), -2, 2);
    Init.zeros(convProj.bias());
  }

  /** The normalised tokens {@code [N, 1 + g*g, hiddenDim]}, class token first. */
  @Override
  public Tensor forwardFeatures(Tensor x) {
    int p = config.patchSize;
    if (x.dim() == 4 && (x.size(2) != x.size(3) || x.size(2) % p != 0)) {
      throw fail("expected a square image whose side is a multiple of the patch size " + p + ", got "
          + Tensors.describe(x));
    }
    Tensor patches = convProj.forward(x).flatten(2, -1).permute(0, 2, 1);
    Tensor cls = classToken.expand(new long[] {x.size(0), -1, -1});
    return encoder.forward(Tensors.cat(List.of(cls, patches), 1));
  }

  /** The class token's features through {@code heads}. */
  @Override
  public Tensor forwardHead(Tensor features) {
    return heads.forward(features);
  }

  public Config config() {
    return config;
  }

  /** The resolution the stored position embedding is learnt for. */
  public int imageSize() {
    return imageSize;
  }

  /**
   * Resamples the stored position embedding for {@code newImageSize x newImageSize} images (see
   * the class comment); the parameter keeps its identity and takes the new shape.
   */
  public void resizePositionEmbedding(int newImageSize) {
    if (newImageSize < config.patchSize || newImageSize % config.patchSize != 0) {
      throw new IllegalArgumentException("image size " + newImageSize + " is not a positive multiple of the patch size "
          + config.patchSize);
    }
    Tensor pos = encoder.posEmbedding;
    try (NoGradGuard g = new NoGradGuard()) {
      pos.set_data(interpolatePositionEmbedding(pos, newImageSize / config.patchSize).detach());
    }
    imageSize = newImageSize;
  }

  /**
   * torchvision's {@code interpolate_embeddings} for one tensor: a position embedding
   * {@code [1, 1 + g*g, D]} resampled to {@code [1, 1 + n*n, D]}, the grid part bicubically with
   * {@code align_corners=True}, the class token's entry unchanged. Returns {@code posEmbedding} itself
   * when {@code g == newGrid}.
   */
  public static Tensor interpolatePositionEmbedding(Tensor posEmbedding, int newGrid) {
    long[] shape = Tensors.shape(posEmbedding);
    int grid = shape.length == 3 ? gridSide(shape[1] - 1) : -1;
    if (shape.length != 3 || shape[0] != 1 || grid < 1) {
      throw new IllegalArgumentException("expected a position embedding [1, 1 + g*g, D], got " + Tensors.describe(shape));
    }
    if (newGrid < 1) {
      throw new IllegalArgumentException("grid side must be positive, got " + newGrid);
    }
    if (grid == newGrid) {
      return posEmbedding;
    }
    long d = shape[2];
    Tensor token = posEmbedding.narrow(1, 0, 1);
    Tensor img = posEmbedding.narrow(1, 1, (long) grid * grid).permute(0, 2, 1).reshape(1, d, grid, grid);
    Tensor resized = torch.upsample_bicubic2d(img, new long[] {newGrid, newGrid}, true);
    resized = resized.reshape(1, d, (long) newGrid * newGrid).permute(0, 2, 1);
    return Tensors.cat(List.of(token, resized), 1);
  }

  /** The side of a square grid of {@code n} cells, or -1 if {@code n} is not a square. */
  private static int gridSide(long n) {
    long s = Math.round(Math.sqrt(n));
    return s * s == n ? (int) s : -1;
  }

  /** Position embedding, dropout, the blocks and the final LayerNorm. */
  static final class Encoder extends Layer {
    private final Tensor posEmbedding;
    private final Dropout dropout;
    private final Sequential layers;
    private final LayerNorm ln;
    private final int hiddenDim;

    Encoder(Config config, int seqLength, double dropoutRate) {
      hiddenDim = config.hiddenDim;
      posEmbedding = registerParameter("pos_embedding",
          Init.normal(Tensors.empty(DType.FLOAT32, 1, seqLength, hiddenDim), 0, 0.02));
      dropout = register("dropout", new Dropout(dropoutRate));
      layers = register("layers", new Sequential());
      for (int i = 0; i < config.numLayers; i++) {
        layers.add("encoder_layer_" + i, new EncoderBlock(config, dropoutRate));
      }
      ln = register("ln", new LayerNorm(hiddenDim, LN_EPS));
    }

    @Override
    protected Tensor compute(Tensor x) {
      if (x.dim() != 3 || x.size(2) != hiddenDim) {
        throw fail("expected tokens [N, 1 + g*g, " + hiddenDim + "], got " + Tensors.describe(x));
      }
      return ln.forward(layers.forward(dropout.forward(x.add(positionEmbedding(x.size(1))))));
    }

    /** The stored embedding, or its resampling for {@code tokens - 1} patches in a square grid. */
    private Tensor positionEmbedding(long tokens) {
      if (tokens == posEmbedding.size(1)) {
        return posEmbedding;
      }
      int grid = gridSide(tokens - 1);
      if (grid < 1) {
        throw fail(tokens + " tokens do not form a class token and a square grid of patches");
      }
      return interpolatePositionEmbedding(posEmbedding, grid);
    }

    @Override
    public String typeName() {
      return "Encoder";
    }
  }

  /** Pre-norm block: {@code x + attn(ln_1(x))}, then {@code + mlp(ln_2(.))}. */
  static final class EncoderBlock extends Layer {
    private final LayerNorm ln1;
    private final MultiheadAttention selfAttention;
    private final Dropout dropout;
    private final LayerNorm ln2;
    private final Sequential mlp;

    EncoderBlock(Config config, double dropoutRate) {
      int d = config.hiddenDim;
      ln1 = register("ln_1", new LayerNorm(d, LN_EPS));
      selfAttention = register("self_attention",
          new MultiheadAttention(MultiheadAttention.Config.of(d, config.numHeads).withBatchFirst(true)));
      dropout = register("dropout", new Dropout(dropoutRate));
      ln2 = register("ln_2", new LayerNorm(d, LN_EPS));
      mlp = register("mlp", Mlp.torchvision(d, config.mlpDim, dropoutRate));
      for (Layer l : mlp.layers()) {
        if (l instanceof Linear lin) {
          Init.xavierUniform(lin.weight());
          Init.normal(lin.bias(), 0, 1e-6);
        }
      }
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor y = x.add(dropout.forward(selfAttention.forward(ln1.forward(x))));
      return y.add(mlp.forward(ln2.forward(y)));
    }

    @Override
    public String typeName() {
      return "EncoderBlock";
    }
  }
}
