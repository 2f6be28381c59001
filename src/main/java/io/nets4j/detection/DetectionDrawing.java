package io.nets4j.detection;

import io.nets4j.data.Image;
import io.nets4j.tensor.Tensors;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Draws detections onto an image: a box outline per detection in its class's colour, with the
 * class name and score on a filled label above it. Small images are enlarged (nearest neighbour)
 * first so that the labels stay readable.
 */
public final class DetectionDrawing {
  private DetectionDrawing() {}

  /**
   * Writes {@code image} with {@code detections} drawn on it as a PNG, enlarged by {@code scale}.
   *
   * @param classes class names, {@code classes.get(label - 1)} for label {@code label}
   */
  public static void writePng(Image image, Detections detections, List<String> classes, int scale, Path file) {
    BufferedImage out = render(image, detections, classes, scale);
    try {
      if (!ImageIO.write(out, "png", file.toFile())) {
        throw new IllegalStateException("no PNG writer available for " + file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** The drawing as an RGB image (see {@link #writePng}). */
  public static BufferedImage render(Image image, Detections detections, List<String> classes, int scale) {
    if (scale < 1) {
      throw new IllegalArgumentException("scale must be >= 1, got " + scale);
    }
    int w = image.width() * scale;
    int h = image.height() * scale;
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int r = byteOf(image.get(0, y / scale, x / scale));
        int g = image.channels() == 3 ? byteOf(image.get(1, y / scale, x / scale)) : r;
        int b = image.channels() == 3 ? byteOf(image.get(2, y / scale, x / scale)) : r;
        out.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    float[] boxes = Tensors.toFloatArray(detections.boxes().cpu().contiguous());
    float[] scores = Tensors.toFloatArray(detections.scores().cpu());
    long[] labels = Tensors.toLongArray(detections.labels().cpu());
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.max(10, 3 * scale + 4)));
    g.setStroke(new BasicStroke(Math.max(1, scale / 2f)));
    FontMetrics fm = g.getFontMetrics();
    // Lowest scores first, so that the most confident boxes end up on top.
    for (int i = scores.length - 1; i >= 0; i--) {
      int label = (int) labels[i];
      Color colour = colour(label);
      int x1 = Math.round(boxes[4 * i] * scale);
      int y1 = Math.round(boxes[4 * i + 1] * scale);
      int x2 = Math.round(boxes[4 * i + 2] * scale);
      int y2 = Math.round(boxes[4 * i + 3] * scale);
      g.setColor(colour);
      g.drawRect(x1, y1, Math.max(1, x2 - x1 - 1), Math.max(1, y2 - y1 - 1));
      String name = label >= 1 && label <= classes.size() ? classes.get(label - 1) : "class " + label;
      String text = String.format(Locale.ROOT, "%s %.2f", name, scores[i]);
      int tw = fm.stringWidth(text) + 4;
      int th = fm.getHeight();
      int ty = y1 - th >= 0 ? y1 - th : y1;
      g.fillRect(x1, ty, tw, th);
      g.setColor(brightness(colour) > 140 ? Color.BLACK : Color.WHITE);
      g.drawString(text, x1 + 2, ty + fm.getAscent());
    }
    g.dispose();
    return out;
  }

  /** A distinct, saturated colour per label (hues spaced by the golden angle). */
  static Color colour(int label) {
    float hue = (label * 0.618034f) % 1f;
    return Color.getHSBColor(hue, 0.85f, 0.95f);
  }

  private static double brightness(Color c) {
    return 0.299 * c.getRed() + 0.587 * c.getGreen() + 0.114 * c.getBlue();
  }

  private static int byteOf(float v) {
    return Math.round(Math.max(0f, Math.min(1f, v)) * 255f);
  }
}
