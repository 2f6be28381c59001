package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.models.SASA.SelfAttention2d;
import io.nets4j.nn.LayerException;
import io.nets4j.nn.RecordsAttention;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SASATest {
  /**
   * The paper's Table 1 (conv stem + attention): 10.3M, 14.1M and 18.0M parameters. The exact count
   * is torchvision's ResNet bottleneck count with each 3x3 convolution (9 w^2) replaced by the
   * attention layer (3 w^2 for q/k/v, 7 w for the row and column embeddings).
   */
  @ParameterizedTest
  @CsvSource({"sasa_resnet26, 1, 2, 4, 1, 10.3", "sasa_resnet38, 2, 3, 5, 2, 14.1", "sasa_resnet50, 3, 4, 6, 3, 18.0"})
  void parameterCountMatchesThePaper(String name, int d1, int d2, int d3, int d4, double paperMillions) {
    long count = Models.parameterCount(name);
    assertEquals(bottleneckResNetCount(new int[] {d1, d2, d3, d4}, true), count);
    assertEquals(paperMillions, count / 1e6, 0.1);
  }

  /** The conv baseline of the same formula is torchvision's resnet50 (25,557,032 parameters). */
  @Test
  void countingFormulaReproducesTorchvision() {
    assertEquals(25557032L, bottleneckResNetCount(new int[] {3, 4, 6, 3}, false));
    assertEquals(Models.parameterCount("resnet50"), bottleneckResNetCount(new int[] {3, 4, 6, 3}, false));
  }

  private static long bottleneckResNetCount(int[] depths, boolean attention) {
    long p = 3 * 64 * 49 + 2 * 64;
    long in = 64;
    for (int s = 0; s < 4; s++) {
      long w = 64L << s;
      for (int b = 0; b < depths[s]; b++) {
        p += in * w + 2 * w + (attention ? 3 * w * w + 7 * w : 9 * w * w) + 2 * w + w * 4 * w + 2 * 4 * w;
        if (b == 0) {
          p += in * 4 * w + 2 * 4 * w;
        }
        in = 4 * w;
      }
    }
    return p + 2048 * 1000 + 1000;
  }

  /** The layer against a direct evaluation of the paper's equation 3, pixel by pixel, at the borders too. */
  @Test
  void attentionMatchesTheEquation() {
    try (Scope s = Scope.open()) {
      int width = 4;
      int heads = 2;
      int k = 3;
      int h = 4;
      int w = 5;
      SelfAttention2d attn = new SelfAttention2d(width, k, heads);
      attn.to(DType.FLOAT64);
      Tensor x = torch.randn(new long[] {1, width, h, w}, Tensors.options(DType.FLOAT64));
      Map<String, Tensor> state = attn.stateDict();
      // a module's own parameters precede its children's, as in PyTorch
      assertEquals(List.of("rel_h", "rel_w", "qkv.weight"), List.copyOf(state.keySet()));
      double[] wqkv = Tensors.toDoubleArray(state.get("qkv.weight"));
      double[] relH = Tensors.toDoubleArray(state.get("rel_h"));
      double[] relW = Tensors.toDoubleArray(state.get("rel_w"));
      double[] in = Tensors.toDoubleArray(x);
      // projections: proj[o][i][j] = sum_c W[o, c] x[c, i, j]
      double[][][] proj = new double[3 * width][h][w];
      for (int o = 0; o < 3 * width; o++) {
        for (int i = 0; i < h; i++) {
          for (int j = 0; j < w; j++) {
            for (int c = 0; c < width; c++) {
              proj[o][i][j] += wqkv[o * width + c] * in[(c * h + i) * w + j];
            }
          }
        }
      }
      int dh = width / heads;
      int p = k / 2;
      double[] expectedOut = new double[width * h * w];
      double[] expectedMap = new double[heads * h * w * k * k];
      for (int n = 0; n < heads; n++) {
        for (int i = 0; i < h; i++) {
          for (int j = 0; j < w; j++) {
            double[] logits = new double[k * k];
            double max = Double.NEGATIVE_INFINITY;
            for (int a = 0; a < k; a++) {
              for (int b = 0; b < k; b++) {
                int ya = i + a - p;
                int xb = j + b - p;
                if (ya < 0 || ya >= h || xb < 0 || xb >= w) {
                  logits[a * k + b] = Double.NEGATIVE_INFINITY;
                  continue;
                }
                double l = 0;
                for (int d = 0; d < dh; d++) {
                  double q = proj[n * dh + d][i][j];
                  l += q * proj[width + n * dh + d][ya][xb];
                  // first half of the head's channels: row offset; second half: column offset
                  l += d < dh / 2 ? q * relH[(n * (dh / 2) + d) * k + a] : q * relW[(n * (dh / 2) + d - dh / 2) * k + b];
                }
                logits[a * k + b] = l;
                max = Math.max(max, l);
              }
            }
            double sum = 0;
            for (int t = 0; t < k * k; t++) {
              logits[t] = Math.exp(logits[t] - max);
              sum += logits[t];
            }
            for (int t = 0; t < k * k; t++) {
              double weight = logits[t] / sum;
              expectedMap[((n * h + i) * w + j) * k * k + t] = weight;
              if (weight == 0) {
                continue;
              }
              for (int d = 0; d < dh; d++) {
                expectedOut[((n * dh + d) * h + i) * w + j] += weight * proj[2 * width + n * dh + d][i + t / k - p][j + t % k - p];
              }
            }
          }
        }
      }
      Tensor expected = Tensors.fromDoubles(expectedOut, 1, width, h, w);
      assertEquals(0, Tensors.maxAbsDiff(attn.forward(x), expected), 1e-12, "fused path");
      attn.recordAttention(true);
      assertEquals(0, Tensors.maxAbsDiff(attn.forward(x), expected), 1e-12, "explicit path");
      Tensor map = attn.lastAttention();
      assertArrayEquals(new long[] {1, heads, h, w, k * k}, Tensors.shape(map));
      assertEquals(0, Tensors.maxAbsDiff(map, Tensors.fromDoubles(expectedMap, 1, heads, h, w, k * k)), 1e-12);
      // the top-left pixel sees only the 4 positions of its window that are inside the image
      double[] corner = Tensors.toDoubleArray(map.select(0, 0).select(0, 0).select(0, 0).select(0, 0));
      for (int t : new int[] {0, 1, 2, 3, 6}) {
        assertEquals(0, corner[t], 0);
      }
    }
  }

  @Test
  void modelForwardRecordsEveryAttentionLayerAndHandlesOddSizes() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("sasa_resnet26", ModelOptions.defaults().withNumClasses(10));
      m.eval();
      Map<String, RecordsAttention> layers = RecordsAttention.find(m);
      assertEquals(8, layers.size());
      assertTrue(layers.containsKey("layer3.3.attn"), layers.keySet().toString());
      RecordsAttention.recordAll(m, true);
      // 72 -> 18 after the stem -> 9 -> 5 (odd: pooling and the strided shortcut agree) -> 3;
      // a downsampling block attends at its input resolution and pools afterwards
      Tensor y = m.forward(torch.randn(new long[] {2, 3, 72, 72}, Tensors.options(DType.FLOAT32)));
      assertArrayEquals(new long[] {2, 10}, Tensors.shape(y));
      assertArrayEquals(new long[] {2, 8, 18, 18, 49}, Tensors.shape(layers.get("layer2.0.attn").lastAttention()));
      assertArrayEquals(new long[] {2, 8, 9, 9, 49}, Tensors.shape(layers.get("layer2.1.attn").lastAttention()));
      assertArrayEquals(new long[] {2, 8, 5, 5, 49}, Tensors.shape(layers.get("layer3.1.attn").lastAttention()));
      assertArrayEquals(new long[] {1, 2048, 3, 3}, Tensors.shape(m.forwardFeatures(
          torch.randn(new long[] {1, 3, 72, 72}, Tensors.options(DType.FLOAT32)))));
      List<String> keys = List.copyOf(m.stateDict().keySet());
      assertTrue(keys.containsAll(List.of("layer1.0.attn.qkv.weight", "layer1.0.attn.rel_h", "layer1.0.attn.rel_w",
          "layer2.0.downsample.0.weight")), keys.toString());
      assertTrue(keys.stream().noneMatch(k -> k.contains("conv2")), keys.toString());
    }
  }

  @Test
  void trainsEndToEnd() {
    try (Scope s = Scope.open()) {
      SelfAttention2d attn = new SelfAttention2d(16, 7, 8);
      Tensor x = torch.randn(new long[] {2, 16, 6, 6}, Tensors.options(DType.FLOAT32));
      attn.forward(x).pow(new org.bytedeco.pytorch.Scalar(2)).sum().backward();
      for (String p : List.of("qkv.weight", "rel_h", "rel_w")) {
        Tensor g = attn.namedParameters().get(p).grad();
        assertTrue(g.defined() && Tensors.maxAbs(g) > 0, p);
      }
    }
  }

  @Test
  void wrongInputIsAClearError() {
    try (Scope s = Scope.open()) {
      ImageClassifier m = Models.create("sasa_resnet26");
      LayerException e = assertThrows(LayerException.class, () -> m.forward(Tensors.zeros(DType.FLOAT32, 1, 3, 32)));
      assertEquals("conv1", e.layerPath());
      SelfAttention2d attn = new SelfAttention2d(16, 7, 8);
      LayerException inner = assertThrows(LayerException.class, () -> attn.forward(Tensors.zeros(DType.FLOAT32, 1, 8, 5, 5)));
      assertTrue(inner.getMessage().contains("expected input of shape [N, 16, H, W], got [1, 8, 5, 5]"), inner.getMessage());
    }
  }

  @Test
  void invalidLayersAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new SelfAttention2d(16, 6, 8));
    assertThrows(IllegalArgumentException.class, () -> new SelfAttention2d(24, 7, 8));
  }
}
