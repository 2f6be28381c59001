package io.nets4j.train;

import io.nets4j.data.Image;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.HeatMapStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG pictures of a run: loss and accuracy curves and the confusion matrix (XChart), and a grid
 * of sample predictions. Everything renders into off-screen images, so no display is needed; the
 * application decides whether AWT runs headless (the command line does, and a JVM on Linux without
 * {@code DISPLAY} is headless by itself).
 */
public final class Plots {
  private Plots() {}

  /** Training and validation loss per epoch. */
  public static void lossCurves(List<EpochRecord> history, Path png) {
    XYChart chart = curves("Loss", "cross-entropy");
    series(chart, "train", history, EpochRecord::trainLoss);
    series(chart, "validation", history, r -> r.valLoss() == null ? Double.NaN : r.valLoss());
    double max = 0;
    double min = Double.POSITIVE_INFINITY;
    for (EpochRecord r : history) {
      for (Double v : new Double[] {r.trainLoss(), r.valLoss()}) {
        if (v != null && Double.isFinite(v) && v > 0) {
          max = Math.max(max, v);
          min = Math.min(min, v);
        }
      }
    }
    // a diverging epoch would flatten every other point on a linear axis
    chart.getStyler().setYAxisLogarithmic(max > 0 && max / min > 50);
    save(chart, png);
  }

  /** Training accuracy and validation top-1 and top-5 accuracy per epoch, in percent. */
  public static void accuracyCurves(List<EpochRecord> history, Path png) {
    XYChart chart = curves("Accuracy", "%");
    series(chart, "train top-1", history, r -> 100 * r.trainAccuracy());
    series(chart, "validation top-1", history, r -> r.valTop1() == null ? Double.NaN : 100 * r.valTop1());
    series(chart, "validation top-5", history, r -> r.valTop5() == null ? Double.NaN : 100 * r.valTop5());
    save(chart, png);
  }

  private static XYChart curves(String title, String yTitle) {
    XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle("epoch").yAxisTitle(yTitle)
        .build();
    XYStyler style = chart.getStyler();
    style.setLegendPosition(Styler.LegendPosition.OutsideS);
    style.setLegendLayout(Styler.LegendLayout.Horizontal);
    style.setMarkerSize(6);
    style.setXAxisDecimalPattern("0");
    style.setChartBackgroundColor(Color.WHITE);
    return chart;
  }

  private static void series(XYChart chart, String name, List<EpochRecord> history, ToDoubleFunction<EpochRecord> y) {
    List<Double> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    for (EpochRecord r : history) {
      double v = y.applyAsDouble(r);
      if (Double.isFinite(v)) {
        xs.add((double) r.epoch());
        ys.add(v);
      }
    }
    if (!xs.isEmpty()) {
      XYSeries s = chart.addSeries(name, xs, ys);
      s.setMarker(SeriesMarkers.CIRCLE);
    }
  }

  /** The confusion matrix as a heat map with the count in every cell; rows are true classes. */
  public static void confusionMatrix(ConfusionMatrix m, List<String> classes, Path png) {
    int n = m.classes();
    if (classes.size() != n) {
      throw new IllegalArgumentException(classes.size() + " class names for a " + n + "-class matrix");
    }
    int side = Math.min(1600, Math.max(500, 60 * n + 250));
    HeatMapChart chart = new HeatMapChartBuilder().width(side + 120).height(side).title(String.format(Locale.ROOT,
        "Confusion matrix (accuracy %.2f%%, %d images)", 100 * m.accuracy(), m.total()))
        .xAxisTitle("predicted").yAxisTitle("true").build();
    HeatMapStyler style = chart.getStyler();
    style.setShowValue(n <= 30);
    style.setHeatMapValueDecimalPattern("0");
    style.setChartBackgroundColor(Color.WHITE);
    style.setRangeColors(new Color[] {new Color(247, 251, 255), new Color(107, 174, 214), new Color(8, 48, 107)});
    style.setValueFontColor(Color.BLACK);
    style.setXAxisLabelRotation(n > 8 ? 45 : 0);
    List<String> truth = new ArrayList<>();
    // the heat map's first row is at the bottom; list the true classes in reverse so class 0 is on top
    for (int t = n - 1; t >= 0; t--) {
      truth.add(classes.get(t));
    }
    List<Number[]> cells = new ArrayList<>();
    long max = 0;
    for (int t = 0; t < n; t++) {
      for (int p = 0; p < n; p++) {
        cells.add(new Number[] {p, n - 1 - t, m.count(t, p)});
        max = Math.max(max, m.count(t, p));
      }
    }
    style.setMin(0);
    style.setMax(Math.max(1, max));
    chart.addSeries("counts", classes, truth, cells);
    save(chart, png);
  }

  /**
   * A grid of images with their true and predicted classes (green when right, red when wrong).
   * Images are normalised CHW floats; {@code mean} and {@code std} (per channel) undo the
   * normalisation for display.
   */
  public static void predictionGrid(List<Evaluation.Sample> samples, List<String> classes, float[] mean, float[] std,
      Path png) {
    if (samples.isEmpty()) {
      throw new IllegalArgumentException("no samples to draw");
    }
    int columns = Math.min(8, samples.size());
    int rows = (samples.size() + columns - 1) / columns;
    int cell = 128;
    int label = 36;
    int pad = 8;
    BufferedImage grid = new BufferedImage(columns * (cell + pad) + pad, rows * (cell + label + pad) + pad,
        BufferedImage.TYPE_INT_RGB);
    Graphics2D g = grid.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      FontMetrics fm = g.getFontMetrics();
      for (int i = 0; i < samples.size(); i++) {
        Evaluation.Sample s = samples.get(i);
        int x = pad + (i % columns) * (cell + pad);
        int y = pad + (i / columns) * (cell + label + pad);
        BufferedImage picture = toImage(s.image(), mean, std);
        double scale = Math.min((double) cell / picture.getWidth(), (double) cell / picture.getHeight());
        int w = (int) Math.round(picture.getWidth() * scale);
        int h = (int) Math.round(picture.getHeight() * scale);
        g.drawImage(picture, x + (cell - w) / 2, y + (cell - h) / 2, w, h, null);
        boolean right = s.trueClass() == s.predicted();
        g.setColor(right ? new Color(0, 140, 0) : new Color(200, 0, 0));
        g.setStroke(new BasicStroke(2));
        g.drawRect(x, y, cell, cell);
        g.drawString(fit(fm, "true: " + name(classes, s.trueClass()), cell), x, y + cell + 14);
        g.drawString(fit(fm, String.format(Locale.ROOT, "pred: %s %.0f%%", name(classes, s.predicted()),
            100 * s.confidence()), cell), x, y + cell + 28);
      }
    } finally {
      g.dispose();
    }
    write(grid, png);
  }

  /** Converts a normalised CHW image to RGB pixels (grey for one channel), clamping to [0, 1]. */
  static BufferedImage toImage(Image image, float[] mean, float[] std) {
    int c = image.channels();
    if (c != 1 && c != 3) {
      throw new IllegalArgumentException("cannot draw a " + c + "-channel image (1 or 3 expected)");
    }
    if (mean.length != c || std.length != c) {
      throw new IllegalArgumentException("normalisation of " + mean.length + " channels for a " + c + "-channel image");
    }
    BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < image.height(); y++) {
      for (int x = 0; x < image.width(); x++) {
        int[] rgb = new int[3];
        for (int k = 0; k < 3; k++) {
          int ch = c == 1 ? 0 : k;
          double v = image.get(ch, y, x) * std[ch] + mean[ch];
          rgb[k] = (int) Math.round(255 * Math.max(0, Math.min(1, v)));
        }
        out.setRGB(x, y, (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]);
      }
    }
    return out;
  }

  private static String name(List<String> classes, int c) {
    return c < classes.size() ? classes.get(c) : Integer.toString(c);
  }

  private static String fit(FontMetrics fm, String text, int width) {
    String t = text;
    while (t.length() > 1 && fm.stringWidth(t) > width) {
      t = t.substring(0, t.length() - 2) + "…";
    }
    return t;
  }

  private static void save(Chart<?, ?> chart, Path png) {
    try {
      Files.createDirectories(png.toAbsolutePath().getParent());
      BufferedImage image = BitmapEncoder.getBufferedImage(chart);
      write(image, png);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + png + " (" + e + ")", e);
    }
  }

  /** Writes a PNG atomically (temporary file, then rename), so a reader never sees half a picture. */
  private static void write(BufferedImage image, Path png) {
    Path dir = png.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = AtomicFiles.temporaryNextTo(png.toAbsolutePath());
      if (!ImageIO.write(image, "png", tmp.toFile())) {
        throw new IOException("no PNG writer");
      }
      Files.move(tmp, png, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      tmp = null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + png + " (" + e + ")", e);
    } finally {
      AtomicFiles.deleteQuietly(tmp);
    }
  }
}
