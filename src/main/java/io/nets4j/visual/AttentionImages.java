package io.nets4j.visual;

import io.nets4j.data.Image;
import io.nets4j.data.Transforms;
import io.nets4j.models.ConViT;
import io.nets4j.models.CvT;
import io.nets4j.models.ImageClassifier;
import io.nets4j.models.LocalViT;
import io.nets4j.models.SwinTransformer;
import io.nets4j.models.VisionTransformer;
import io.nets4j.nn.RecordsAttention;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Renders the attention of a vision transformer over an image, as a heatmap on the image the model
 * sees (resized to its square input size).
 *
 * <ul>
 *   <li>Models with a class token (ViT, LocalViT, ConViT, CvT): the class token's attention to the
 *       patches, either the {@link Method#ROLLOUT attention rollout} through all layers (Abnar and
 *       Zuidema 2020) or the {@link Method#LAST last layer's} head-averaged map.
 *   <li>Swin (Liu et al. 2021): one window of one block: a query token's attention over the
 *       window's tokens, or the mean over its queries, drawn on the window's pixels.
 * </ul>
 *
 * <p>Randomly initialised models attend almost uniformly; meaningful maps need trained weights.
 */
public final class AttentionImages {
  /** What the class-token map shows. */
  public enum Method {
    /** Attention rollout through all layers. */
    ROLLOUT,
    /** The last layer's map, averaged over heads. */
    LAST;

    public static Method parse(String s) {
      for (Method m : values()) {
        if (m.name().equalsIgnoreCase(s)) {
          return m;
        }
      }
      throw new IllegalArgumentException("unknown method '" + s + "'; use rollout or last");
    }
  }

  private AttentionImages() {}

  /** Whether {@code model} has a class token whose attention to the patches can be drawn. */
  public static boolean hasClassToken(ImageClassifier model) {
    return model instanceof VisionTransformer || model instanceof LocalViT || model instanceof ConViT
        || model instanceof CvT;
  }

  /** The image resized to {@code size x size}, as the model sees it (before normalisation). */
  public static Image modelView(Image rgb, int size) {
    if (rgb.channels() != 3) {
      throw new IllegalArgumentException("needs an RGB image, got " + rgb.channels() + " channels");
    }
    return Transforms.resize(size, size).apply(rgb, new Random(0));
  }

  /**
   * Runs {@code model} in eval mode on {@code view} (normalised with the ImageNet statistics, as
   * torchvision's weights expect) with attention recording on, and returns the recorded maps by
   * layer path, in model order. Recording is switched off again afterwards.
   */
  public static Map<String, Tensor> record(ImageClassifier model, Image view) {
    Image normalised = Transforms.normalize(Transforms.IMAGENET_MEAN, Transforms.IMAGENET_STD).apply(view, new Random(0));
    if (RecordsAttention.find(model).isEmpty()) {
      throw new IllegalArgumentException(model.typeName() + " has no attention module that records its maps");
    }
    RecordsAttention.recordAll(model, true);
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      model.eval();
      Tensor x = Tensors.fromFloats(normalised.data(), 1, 3, view.height(), view.width()).to(model.dtype().scalarType());
      model.forward(x);
      return RecordsAttention.lastAttentions(model);
    } finally {
      RecordsAttention.recordAll(model, false);
    }
  }

  /**
   * The class token's attention to the patches, from maps {@code [N, heads, Tq, Tk]} recorded on
   * {@code view}: rolled out over all maps, or the last map's.
   *
   * @throws IllegalArgumentException if the maps have no class token (the keys minus one are not a
   *     square grid) or, for the rollout, are not square
   */
  public static double[] classTokenAttention(Map<String, Tensor> maps, Method method) {
    if (maps.isEmpty()) {
      throw new IllegalArgumentException("no attention maps were recorded");
    }
    List<double[][]> layers = new ArrayList<>();
    for (Tensor t : maps.values()) {
      layers.add(AttentionRollout.headMean(t));
    }
    double[][] map = method == Method.ROLLOUT ? AttentionRollout.rollout(layers) : layers.get(layers.size() - 1);
    if (gridSide(map[0].length - 1) < 1) {
      throw new IllegalArgumentException("the last attention map has " + map[0].length
          + " keys, not a class token followed by a square grid of patches");
    }
    return AttentionRollout.classTokenToPatches(map);
  }

  /** {@link #classTokenAttention} drawn over {@code view}. */
  public static Image classTokenImage(Image view, Map<String, Tensor> maps, Method method) {
    double[] patches = classTokenAttention(maps, method);
    int g = gridSide(patches.length);
    return Heatmap.overlay(view, patches, g, g);
  }

  /**
   * The attention inside one Swin window, per key token: row {@code query} of the head-averaged
   * window map, or (for {@code query < 0}) the mean of the rows of the window's non-padding tokens.
   *
   * @param map a Swin attention map {@code [N, windows, heads, T, T]}
   */
  public static double[] windowAttention(Tensor map, SwinWindow window, int query) {
    long[] shape = Tensors.shape(map);
    int tokens = window.windowSize() * window.windowSize();
    int windows = SwinWindow.windows(window.imageSize(), window.stage(), window.windowSize());
    if (shape.length != 5 || shape[1] != windows || shape[3] != tokens || shape[4] != tokens) {
      throw new IllegalArgumentException("expected a window attention map [N, " + windows + ", heads, " + tokens + ", "
          + tokens + "] for stage " + window.stage() + " at " + window.imageSize() + " pixels, got "
          + Tensors.describe(shape));
    }
    if (query >= tokens || query >= 0 && window.mapPosition(query) == null) {
      throw new IllegalArgumentException("query token " + query + " is not a token of the window (0.." + (tokens - 1)
          + ", padding excluded)");
    }
    double[][] m = AttentionRollout.headMean(map.select(0, 0).select(0, window.window()).unsqueeze(0));
    if (query >= 0) {
      return m[query].clone();
    }
    double[] mean = new double[tokens];
    int rows = 0;
    for (int q = 0; q < tokens; q++) {
      if (window.mapPosition(q) == null) {
        continue;
      }
      rows++;
      for (int k = 0; k < tokens; k++) {
        mean[k] += m[q][k];
      }
    }
    for (int k = 0; k < tokens; k++) {
      mean[k] /= rows;
    }
    return mean;
  }

  /**
   * The Swin attention module drawn by default: the first block of the third stage
   * ({@code features.5.0.attn}, 2 x 2 windows of 112 pixels at 224), else the first attention module.
   */
  public static String defaultSwinLayer(Map<String, Tensor> maps) {
    return maps.containsKey("features.5.0.attn") ? "features.5.0.attn" : maps.keySet().iterator().next();
  }

  /** {@link #windowAttention} of the module at {@code layer} drawn over {@code view}. */
  public static Image swinWindowImage(Image view, Map<String, Tensor> maps, String layer, int window, int query) {
    Tensor map = maps.get(layer);
    if (map == null) {
      throw new IllegalArgumentException("no attention map at '" + layer + "'; recorded: " + maps.keySet());
    }
    int ws = gridSide((int) map.size(-1));
    SwinWindow w = SwinWindow.of(layer, view.height(), ws, window);
    return Heatmap.windowOverlay(view, w, windowAttention(map, w, query));
  }

  /** A one-line account of a Swin window, for the command's output. */
  public static String describe(SwinWindow w) {
    int[] first = null;
    for (int t = 0; t < w.windowSize() * w.windowSize() && first == null; t++) {
      first = w.pixels(t);
    }
    return String.format(Locale.ROOT, "stage %d, window %d of %d, %dx%d tokens of %d pixels%s, first token at pixel (%d, %d)",
        w.stage(), w.window(), SwinWindow.windows(w.imageSize(), w.stage(), w.windowSize()), w.windowSize(),
        w.windowSize(), w.stride(), w.shift() > 0 ? ", shifted by " + w.shift() + " tokens" : "", first[0], first[1]);
  }

  /** The side of a square grid of {@code n} cells, or -1. */
  static int gridSide(int n) {
    int g = (int) Math.round(Math.sqrt(n));
    return n > 0 && g * g == n ? g : -1;
  }
}
