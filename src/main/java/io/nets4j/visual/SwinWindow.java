package io.nets4j.visual;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the tokens of one attention window of a Swin block (Liu et al. 2021) lie in the input image.
 *
 * <p>torchvision's Swin (see {@link io.nets4j.models.SwinTransformer}) attends in windows of
 * {@code ws x ws} tokens over the map of stage {@code s} ({@code features.(2s+1)}), one token per
 * {@code 4 * 2^s} pixels. The map is padded at the bottom and right to whole windows; every second
 * block of a stage first rolls it by {@code -ws/2} in both directions (unless the padded map fits in
 * one window), so token {@code (r, c)} of window {@code (wy, wx)} sits at map position
 * {@code ((wy*ws + r + shift) mod ph, (wx*ws + c + shift) mod pw)}. Positions beyond the unpadded map
 * are padding and have no pixels.
 *
 * @param imageSize side of the (square) model input in pixels
 * @param stage the stage, 0..3
 * @param windowSize side of a window in tokens
 * @param shifted whether the block shifts its windows (odd block index in the stage)
 * @param window the window, in row-major order over the padded map
 */
public record SwinWindow(int imageSize, int stage, int windowSize, boolean shifted, int window) {
  private static final Pattern ATTENTION_PATH = Pattern.compile("features\\.(\\d+)\\.(\\d+)\\.attn");
  private static final int PATCH = 4;

  public SwinWindow {
    if (stage < 0 || stage > 3) {
      throw new IllegalArgumentException("Swin has stages 0..3, got " + stage);
    }
    if (windowSize < 1 || imageSize < PATCH) {
      throw new IllegalArgumentException("need a window of at least 1 token and an image of at least " + PATCH
          + " pixels, got " + windowSize + " and " + imageSize);
    }
    if (window < 0 || window >= windows(imageSize, stage, windowSize)) {
      throw new IllegalArgumentException("window " + window + " does not exist: stage " + stage + " has "
          + windowsDown(imageSize, stage, windowSize) + " x " + windowsDown(imageSize, stage, windowSize)
          + " windows of " + windowSize + "x" + windowSize + " tokens at " + imageSize + " pixels (0.."
          + (windows(imageSize, stage, windowSize) - 1) + ")");
    }
  }

  /**
   * The window {@code window} of the attention module at {@code path} ({@code features.S.I.attn})
   * of a Swin model fed {@code imageSize}-pixel images.
   */
  public static SwinWindow of(String path, int imageSize, int windowSize, int window) {
    Matcher m = ATTENTION_PATH.matcher(path);
    int feature = m.matches() ? Integer.parseInt(m.group(1)) : -1;
    if (feature < 1 || feature > 7 || feature % 2 == 0) {
      throw new IllegalArgumentException("'" + path + "' is not a Swin block's attention (features.S.I.attn with S = "
          + "1, 3, 5 or 7)");
    }
    return new SwinWindow(imageSize, (feature - 1) / 2, windowSize, Integer.parseInt(m.group(2)) % 2 == 1, window);
  }

  /** The side of stage {@code stage}'s map: a stride-4 patch convolution, then halvings rounded up. */
  public static int mapSide(int imageSize, int stage) {
    int side = imageSize / PATCH;
    for (int s = 0; s < stage; s++) {
      side = (side + 1) / 2;
    }
    return side;
  }

  /** The side of the map padded to whole windows. */
  public static int paddedSide(int imageSize, int stage, int windowSize) {
    return windowsDown(imageSize, stage, windowSize) * windowSize;
  }

  private static int windowsDown(int imageSize, int stage, int windowSize) {
    return (mapSide(imageSize, stage) + windowSize - 1) / windowSize;
  }

  /** The number of windows of a stage's map. */
  public static int windows(int imageSize, int stage, int windowSize) {
    int n = windowsDown(imageSize, stage, windowSize);
    return n * n;
  }

  /** Pixels per token side in this stage. */
  public int stride() {
    return PATCH << stage;
  }

  /** The cyclic shift actually applied: half a window in shifted blocks, 0 if the map fits in one window. */
  public int shift() {
    return shifted && windowSize < paddedSide(imageSize, stage, windowSize) ? windowSize / 2 : 0;
  }

  /**
   * The unshifted map position {@code {row, col}} of token {@code token} (row-major in the window),
   * or {@code null} if it is padding.
   */
  public int[] mapPosition(int token) {
    if (token < 0 || token >= windowSize * windowSize) {
      throw new IllegalArgumentException("token " + token + " is outside a " + windowSize + "x" + windowSize + " window");
    }
    int perRow = windowsDown(imageSize, stage, windowSize);
    int padded = perRow * windowSize;
    int row = ((window / perRow) * windowSize + token / windowSize + shift()) % padded;
    int col = ((window % perRow) * windowSize + token % windowSize + shift()) % padded;
    int side = mapSide(imageSize, stage);
    return row < side && col < side ? new int[] {row, col} : null;
  }

  /**
   * The pixels {@code {y0, x0, y1, x1}} (end exclusive, clipped to the image) covered by token
   * {@code token}, or {@code null} if it is padding.
   */
  public int[] pixels(int token) {
    int[] p = mapPosition(token);
    if (p == null) {
      return null;
    }
    int s = stride();
    return new int[] {p[0] * s, p[1] * s, Math.min(imageSize, (p[0] + 1) * s), Math.min(imageSize, (p[1] + 1) * s)};
  }
}
