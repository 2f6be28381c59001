package io.nets4j.experiments;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG curves of several configurations against the epoch (XChart, rendered off-screen, written atomically). */
public final class ExperimentPlots {
  private ExperimentPlots() {}

  /**
   * One curve per entry of {@code curves} (values per epoch, epochs from 1), in percent of the values;
   * entries whose name is in {@code dashed} are drawn dashed.
   */
  public static void curves(String title, String yTitle, Map<String, double[]> curves, List<String> dashed, Path png) {
    XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle("epoch").yAxisTitle(yTitle)
        .build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    chart.getStyler().setXAxisDecimalPattern("0");
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    for (Map.Entry<String, double[]> e : curves.entrySet()) {
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (int i = 0; i < e.getValue().length; i++) {
        xs.add((double) i + 1);
        ys.add(100 * e.getValue()[i]);
      }
      if (xs.isEmpty()) {
        continue;
      }
      XYSeries s = chart.addSeries(e.getKey(), xs, ys);
      s.setMarker(SeriesMarkers.CIRCLE);
      if (dashed.contains(e.getKey())) {
        s.setLineStyle(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {6f, 4f}, 0f));
      }
    }
    write(chart, png);
  }

  private static void write(XYChart chart, Path png) {
    Path target = png.toAbsolutePath();
    Path tmp = null;
    try {
      Files.createDirectories(target.getParent());
      tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
      if (!ImageIO.write(BitmapEncoder.getBufferedImage(chart), "png", tmp.toFile())) {
        throw new IOException("no PNG writer");
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      tmp = null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + png + " (" + e + ")", e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          // the write already failed; that error is the one to report
        }
      }
    }
  }
}
