package io.nets4j.captioning;

import io.nets4j.data.Image;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Renders where a captioner looked: for each generated word, the image with the word's attention
 * grid bilinearly upsampled to the image and overlaid as a heat map, as in the figures of "Show,
 * Attend and Tell". The first panel is the plain image; the reference and generated captions are
 * written above the strip.
 */
public final class AttentionMaps {
  private static final int SCALE = 4;
  private static final int TITLE = 34;
  private static final int LABEL = 16;

  private AttentionMaps() {}

  /** The strip for one sample; {@code grid} is the side of the attention grid. */
  public static BufferedImage render(CaptionTraining.Sample sample, int grid) {
    Image image = sample.image();
    int w = image.width() * SCALE;
    int h = image.height() * SCALE;
    int panels = 1 + sample.generated().size();
    BufferedImage out = new BufferedImage(Math.max(panels * w, 360), TITLE + h + LABEL, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, out.getWidth(), out.getHeight());
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.drawString("reference: " + String.join(" ", sample.reference()), 4, 14);
    g.drawString("generated: " + String.join(" ", sample.generated()), 4, 29);
    for (int p = 0; p < panels; p++) {
      float[] alpha = p == 0 ? null : sample.attention().get(p - 1);
      double max = 0;
      if (alpha != null) {
        for (float a : alpha) {
          max = Math.max(max, a);
        }
      }
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int iy = y / SCALE;
          int ix = x / SCALE;
          double r = image.get(0, iy, ix);
          double gr = image.get(1, iy, ix);
          double b = image.get(2, iy, ix);
          if (alpha != null) {
            double heat = max > 0 ? bilinear(alpha, grid, (x + 0.5) / w * grid - 0.5, (y + 0.5) / h * grid - 0.5) / max : 0;
            // dim the image where the model does not look, tint it red where it does
            double keep = 0.25 + 0.75 * heat;
            r = r * keep + 0.45 * heat;
            gr = gr * keep;
            b = b * keep;
          }
          out.setRGB(p * w + x, TITLE + y, rgb(r, gr, b));
        }
      }
      g.setColor(Color.BLACK);
      g.drawString(p == 0 ? "(image)" : sample.generated().get(p - 1), p * w + 4, TITLE + h + 12);
    }
    g.dispose();
    return out;
  }

  /** Writes one PNG per sample into {@code dir} ({@code <prefix>-<k>.png}) and returns their paths. */
  public static List<Path> write(List<CaptionTraining.Sample> samples, int grid, Path dir, String prefix)
      throws IOException {
    Files.createDirectories(dir);
    ArrayList<Path> paths = new ArrayList<>();
    for (int k = 0; k < samples.size(); k++) {
      Path file = dir.resolve(prefix + "-" + k + ".png");
      if (!ImageIO.write(render(samples.get(k), grid), "png", file.toFile())) {
        throw new IOException("no PNG writer available for " + file);
      }
      paths.add(file);
    }
    return List.copyOf(paths);
  }

  // Bilinear interpolation of a grid x grid map at fractional cell coordinates, clamped at the border.
  private static double bilinear(float[] map, int grid, double gx, double gy) {
    double x = Math.max(0, Math.min(grid - 1, gx));
    double y = Math.max(0, Math.min(grid - 1, gy));
    int x0 = (int) Math.floor(x);
    int y0 = (int) Math.floor(y);
    int x1 = Math.min(grid - 1, x0 + 1);
    int y1 = Math.min(grid - 1, y0 + 1);
    double fx = x - x0;
    double fy = y - y0;
    double top = map[y0 * grid + x0] * (1 - fx) + map[y0 * grid + x1] * fx;
    double bottom = map[y1 * grid + x0] * (1 - fx) + map[y1 * grid + x1] * fx;
    return top * (1 - fy) + bottom * fy;
  }

  private static int rgb(double r, double g, double b) {
    return (channel(r) << 16) | (channel(g) << 8) | channel(b);
  }

  private static int channel(double v) {
    return (int) Math.round(255 * Math.max(0, Math.min(1, v)));
  }
}
