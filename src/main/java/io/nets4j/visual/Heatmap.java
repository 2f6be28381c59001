package io.nets4j.visual;

import io.nets4j.data.Image;
import io.nets4j.data.Transforms;
import java.util.Random;

/** Heatmaps of per-token values blended over an RGB image. */
public final class Heatmap {
  /** Weight of the heatmap colour in the blend. */
  static final float ALPHA = 0.5f;
  /** Brightness left to the pixels outside a Swin window, so that the window stands out. */
  static final float DIM = 0.35f;

  private Heatmap() {}

  /**
   * {@code values} on a {@code gridH x gridW} grid (row-major), stretched to [0, 1], upsampled
   * bilinearly to the image and blended over it.
   */
  public static Image overlay(Image rgb, double[] values, int gridH, int gridW) {
    checkRgb(rgb);
    if (values.length != gridH * gridW) {
      throw new IllegalArgumentException(values.length + " values do not fill a " + gridH + "x" + gridW + " grid");
    }
    double[] v = stretch(values);
    float[] grid = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      grid[i] = (float) v[i];
    }
    Image up = Transforms.resize(rgb.height(), rgb.width()).apply(new Image(grid, 1, gridH, gridW), new Random(0));
    float[] out = rgb.data().clone();
    int plane = rgb.height() * rgb.width();
    for (int i = 0; i < plane; i++) {
      blend(out, plane, i, colour(up.data()[i]), ALPHA);
    }
    return new Image(out, 3, rgb.height(), rgb.width());
  }

  /**
   * The image dimmed outside the window, with each token's pixels inside it coloured by its value
   * ({@code tokenValues} in the window's row-major token order, stretched over the non-padding tokens).
   */
  public static Image windowOverlay(Image rgb, SwinWindow window, double[] tokenValues) {
    checkRgb(rgb);
    if (rgb.height() != window.imageSize() || rgb.width() != window.imageSize()) {
      throw new IllegalArgumentException("the window is placed in " + window.imageSize() + "x" + window.imageSize()
          + " images, the image is " + rgb.height() + "x" + rgb.width());
    }
    int tokens = window.windowSize() * window.windowSize();
    if (tokenValues.length != tokens) {
      throw new IllegalArgumentException(tokenValues.length + " values for a window of " + tokens + " tokens");
    }
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (int t = 0; t < tokens; t++) {
      if (window.mapPosition(t) != null) {
        lo = Math.min(lo, tokenValues[t]);
        hi = Math.max(hi, tokenValues[t]);
      }
    }
    int plane = rgb.height() * rgb.width();
    float[] out = new float[rgb.data().length];
    for (int i = 0; i < out.length; i++) {
      out[i] = rgb.data()[i] * DIM;
    }
    for (int t = 0; t < tokens; t++) {
      int[] px = window.pixels(t);
      if (px == null) {
        continue;
      }
      float[] c = colour(hi > lo ? (float) ((tokenValues[t] - lo) / (hi - lo)) : 0.5f);
      for (int y = px[0]; y < px[2]; y++) {
        for (int x = px[1]; x < px[3]; x++) {
          int i = y * rgb.width() + x;
          for (int ch = 0; ch < 3; ch++) {
            out[ch * plane + i] = rgb.data()[ch * plane + i];
          }
          blend(out, plane, i, c, ALPHA);
        }
      }
    }
    return new Image(out, 3, rgb.height(), rgb.width());
  }

  /** Values mapped linearly onto [0, 1] (all 0.5 if they are all equal). */
  static double[] stretch(double[] values) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (double v : values) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = hi > lo ? (values[i] - lo) / (hi - lo) : 0.5;
    }
    return out;
  }

  /** The "jet" ramp (dark blue, blue, cyan, yellow, red, dark red) for {@code v} in [0, 1]. */
  static float[] colour(float v) {
    float t = Math.max(0f, Math.min(1f, v));
    float r = clamp(1.5f - Math.abs(4 * t - 3));
    float g = clamp(1.5f - Math.abs(4 * t - 2));
    float b = clamp(1.5f - Math.abs(4 * t - 1));
    return new float[] {r, g, b};
  }

  private static float clamp(float v) {
    return Math.max(0f, Math.min(1f, v));
  }

  private static void blend(float[] data, int plane, int i, float[] c, float alpha) {
    for (int ch = 0; ch < 3; ch++) {
      int k = ch * plane + i;
      data[k] = (1 - alpha) * data[k] + alpha * c[ch];
    }
  }

  private static void checkRgb(Image rgb) {
    if (rgb.channels() != 3) {
      throw new IllegalArgumentException("needs an RGB image, got " + rgb.channels() + " channels");
    }
  }
}
