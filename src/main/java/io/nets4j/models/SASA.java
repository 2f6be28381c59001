package io.nets4j.models;

import io.nets4j.nn.Activation;
import io.nets4j.nn.AttentionMapStore;
import io.nets4j.nn.AvgPool2d;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.DotProductAttention;
import io.nets4j.nn.Init;
import io.nets4j.nn.KeepsAttentionMaps;
import io.nets4j.nn.Layer;
import io.nets4j.nn.MacCounter;
import io.nets4j.nn.RecordsAttention;
import io.nets4j.nn.Sequential;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Stand-alone self-attention (Ramachandran et al. 2019, "Stand-Alone Self-Attention in Vision
 * Models"): ResNets whose every 3x3 convolution is replaced by a local self-attention layer.
 *
 * <p>The models are torchvision's ResNet (stem, four stages of bottlenecks, head; see
 * {@link ResNet}) with the paper's attention bottleneck: 1x1 convolution, {@link SelfAttention2d}
 * over 7x7 neighbourhoods with 8 heads, then 2x2 average pooling where the block downsamples (the
 * paper's rule; pooling uses {@code ceil_mode} so odd sizes match the strided 1x1 shortcut), and
 * the 1x1 expansion. The stem is the convolutional one of ResNet (7x7/2 convolution, batch norm,
 * ReLU, 3x3/2 max pooling), the paper's "conv-stem + attention" setting; the paper's attention
 * stem is not built. There is no official code, so parameter names follow torchvision's ResNet with
 * {@code attn} (holding {@code qkv}, {@code rel_h}, {@code rel_w}) where ResNet has {@code conv2}.
 *
 * <p>Parameter counts against the paper's Table 1 (conv stem + attention): {@code sasa_resnet26}
 * 10,342,632 (paper 10.3M), {@code sasa_resnet38} 14,190,632 (paper 14.1M), {@code sasa_resnet50}
 * 18,038,632 (paper 18.0M); the convolutional baselines are 13.7M, 19.6M and 25.6M. Each attention
 * layer of width {@code w} costs {@code 3 w^2} (its q/k/v projections) plus {@code 7 w} (relative
 * embeddings) where the convolution cost {@code 9 w^2}.
 */
public final class SASA {
  private static final String PAPER = "Ramachandran et al. 2019, Stand-Alone Self-Attention in Vision Models";
  private static final int KERNEL = 7;
  private static final int HEADS = 8;
  private static final int EXPANSION = 4;

  private SASA() {}

  /** Registers the paper's ResNet-26, -38 and -50 with attention in every bottleneck. */
  static void register(Models.Registrar r) {
    variant(r, "sasa_resnet26", new int[] {1, 2, 4, 1});
    variant(r, "sasa_resnet38", new int[] {2, 3, 5, 2});
    variant(r, "sasa_resnet50", new int[] {3, 4, 6, 3});
  }

  private static void variant(Models.Registrar r, String name, int[] depths) {
    r.add(name, "SASA", "paper", 224, PAPER,
        options -> new ResNet(depths, EXPANSION, AttentionBottleneck::new, options));
  }

  /**
   * Local multi-head self-attention over {@code k x k} neighbourhoods: the layer of the paper's
   * equation 3, a drop-in replacement for a stride-1 {@code k x k} convolution that keeps the width.
   *
   * <p>For each pixel {@code ij}, head {@code n} attends to the pixels {@code ab} of the
   * {@code k x k} window centred on it: {@code y_ij = sum_ab softmax_ab(q_ij . k_ab + q_ij . r_{a-i,b-j}) v_ab},
   * with {@code q, k, v} from one bias-free 1x1 projection {@code qkv} (each head owns
   * {@code width / heads} channels) and no {@code 1/sqrt(d)} scaling, as in the paper. The
   * relative embedding {@code r} of a head concatenates a row-offset embedding ({@code rel_h},
   * the first half of its channels) and a column-offset embedding ({@code rel_w}, the second
   * half): {@code [heads, width / heads / 2, k]} each. Window positions outside the image are
   * masked out of the softmax (the image is not zero-padded into the attention).
   *
   * <p>The windows are gathered with {@code Tensor.unfold} (no loops over pixels); without
   * recording, each pixel's attention runs through {@link DotProductAttention} (libtorch's fused kernel)
   * as a batch of one-query problems. Attention weights ({@link RecordsAttention}): maps of shape
   * {@code [N, heads, H, W, k*k]}, the weights of each pixel over its window in row-major order.
   */
  public static final class SelfAttention2d extends Layer implements KeepsAttentionMaps {
    private final int width;
    private final int kernel;
    private final int heads;
    private final int headDim;
    private final Conv2d qkv;
    private final Tensor relH;
    private final Tensor relW;
    private final AttentionMapStore maps = new AttentionMapStore();
    private final DotProductAttention attention = new DotProductAttention();

    /**
     * @param width input and output channels
     * @param kernel side of the (odd) neighbourhood
     * @param heads attention heads; each gets {@code width / heads} channels, an even number
     */
    public SelfAttention2d(int width, int kernel, int heads) {
      if (kernel < 1 || kernel % 2 == 0) {
        throw new IllegalArgumentException("the neighbourhood side must be odd, got " + kernel);
      }
      if (width % (2 * heads) != 0) {
        throw new IllegalArgumentException("width " + width + " must split into " + heads
            + " heads of an even number of channels (half for row, half for column offsets)");
      }
      this.width = width;
      this.kernel = kernel;
      this.heads = heads;
      this.headDim = width / heads;
      qkv = register("qkv", new Conv2d(width, 3 * width, ConvSpec.kernel(1).noBias()));
      // unit-variance logits q.r for unit-variance queries
      double std = Math.sqrt(2.0 / headDim);
      relH = registerParameter("rel_h", Init.normal(Tensors.empty(DType.FLOAT32, heads, headDim / 2, kernel), 0, std));
      relW = registerParameter("rel_w", Init.normal(Tensors.empty(DType.FLOAT32, heads, headDim / 2, kernel), 0, std));
    }

    @Override
    protected Tensor compute(Tensor x) {
      if (x.dim() != 4 || x.size(1) != width) {
        throw fail("expected input of shape [N, " + width + ", H, W], got " + Tensors.describe(x));
      }
      long n = x.size(0);
      long h = x.size(2);
      long w = x.size(3);
      int kk = kernel * kernel;
      Tensor[] qkvs = Tensors.owned(qkv.forward(x).chunk(3, 1));
      Tensor q = qkvs[0].view(n, heads, headDim, h, w);
      Tensor keys = windows(qkvs[1]).view(n, heads, headDim, h, w, kernel, kernel);
      Tensor values = windows(qkvs[2]).view(n, heads, headDim, h, w, kernel, kernel);
      Tensor bias = positionBias(q, x).reshape(n, heads, h, w, kk);
      // the q.r products against the k row and k column offset embeddings (half the head's channels
      // each), which no per-layer MAC rule sees
      long queries = n * heads * h * w;
      MacCounter.addMatmul(queries, 1, headDim / 2, 2L * kernel);
      if (maps.isRecording()) {
        // the per-pixel map is kept in its image layout, so it is built explicitly (and counted here)
        MacCounter.addMatmul(queries, 1, headDim, kk);
        MacCounter.addMatmul(queries, 1, kk, headDim);
        Tensor logits = torch.einsum("bndhw,bndhwxy->bnhwxy", new TensorVector(q, keys)).reshape(n, heads, h, w, kk);
        Tensor attn = maps.keep(logits.add(bias).softmax(-1));
        return torch.einsum("bnhwxy,bndhwxy->bndhw",
            new TensorVector(attn.view(n, heads, h, w, kernel, kernel), values)).reshape(n, width, h, w);
      }
      // one query per (image, head, pixel) against the k*k keys of its window
      Tensor q1 = q.permute(0, 1, 3, 4, 2).reshape(queries, 1, 1, headDim);
      Tensor k1 = keys.permute(0, 1, 3, 4, 5, 6, 2).reshape(queries, 1, kk, headDim);
      Tensor v1 = values.permute(0, 1, 3, 4, 5, 6, 2).reshape(queries, 1, kk, headDim);
      Tensor y = attention.apply(q1, k1, v1, bias.reshape(queries, 1, 1, kk), 1.0, 0, false);
      return y.view(n, heads, h, w, headDim).permute(0, 1, 4, 2, 3).reshape(n, width, h, w);
    }

    /** {@code [N, C, H, W]} to the views {@code [N, C, H, W, k, k]} of each pixel's zero-padded window. */
    private Tensor windows(Tensor t) {
      int p = kernel / 2;
      return torch.constant_pad_nd(t, p, p, p, p).unfold(2, kernel, 1).unfold(3, kernel, 1);
    }

    /**
     * The logit terms that do not involve keys, {@code [N, heads, H, W, k, k]}: {@code q . r} (row
     * half and column half) and {@code -inf} for window positions outside the image.
     */
    private Tensor positionBias(Tensor q, Tensor x) {
      Tensor rows = torch.einsum("bndhw,ndx->bnhwx", new TensorVector(q.narrow(2, 0, headDim / 2), relH));
      Tensor cols = torch.einsum("bndhw,ndy->bnhwy", new TensorVector(q.narrow(2, headDim / 2, headDim / 2), relW));
      Tensor inside = windows(x.new_ones(1, 1, x.size(2), x.size(3)));
      // log maps inside (1) to 0 and outside (0) to -inf: an additive mask
      return rows.unsqueeze(-1).add(cols.unsqueeze(-2)).add(inside.log());
    }

    @Override
    public AttentionMapStore attentionMaps() {
      return maps;
    }

    public int kernel() {
      return kernel;
    }

    public int heads() {
      return heads;
    }

    @Override
    public String typeName() {
      return "SelfAttention2d";
    }
  }

  /** ResNet's bottleneck with {@link SelfAttention2d} (and 2x2 pooling to downsample) for its 3x3 convolution. */
  private static final class AttentionBottleneck extends Layer {
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final SelfAttention2d attn;
    private final AvgPool2d pool;
    private final BatchNorm2d bn2;
    private final Conv2d conv3;
    private final BatchNorm2d bn3;
    private final Activation relu;
    private final Sequential downsample;

    AttentionBottleneck(int inplanes, int planes, int stride) {
      int outplanes = planes * EXPANSION;
      conv1 = register("conv1", new Conv2d(inplanes, planes, ConvSpec.kernel(1).noBias()));
      bn1 = register("bn1", new BatchNorm2d(planes));
      attn = register("attn", new SelfAttention2d(planes, KERNEL, HEADS));
      pool = stride == 1 ? null : register("pool", new AvgPool2d(stride, stride, 0, true, true));
      bn2 = register("bn2", new BatchNorm2d(planes));
      conv3 = register("conv3", new Conv2d(planes, outplanes, ConvSpec.kernel(1).noBias()));
      bn3 = register("bn3", new BatchNorm2d(outplanes));
      relu = register("relu", Activation.relu());
      Sequential ds = ResNet.downsample(inplanes, outplanes, stride);
      downsample = ds == null ? null : register("downsample", ds);
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor out = relu.forward(bn1.forward(conv1.forward(x)));
      out = attn.forward(out);
      if (pool != null) {
        out = pool.forward(out);
      }
      out = bn3.forward(conv3.forward(relu.forward(bn2.forward(out))));
      Tensor identity = downsample == null ? x : downsample.forward(x);
      return relu.forward(out.add(identity));
    }
  }
}
