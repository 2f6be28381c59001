package io.nets4j.sequence.tasks;

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
import javax.imageio.ImageIO;

/**
 * Draws an attention alignment as a PNG heatmap: one column per input character, one row per
 * output character, darker for more weight (white 0, black 1), with the characters as labels.
 */
public final class AttentionHeatmap {
  private static final int CELL = 22;
  private static final int MARGIN = 40;

  private AttentionHeatmap() {}

  /** Writes the heatmap of {@code weights} ({@code [rows][columns]}) to {@code file}. */
  public static void write(Path file, String title, String[] columnLabels, String[] rowLabels, float[][] weights) {
    int rows = weights.length;
    int cols = rows == 0 ? 0 : weights[0].length;
    if (rows == 0 || cols == 0 || rowLabels.length != rows || columnLabels.length != cols) {
      throw new IllegalArgumentException("a heatmap needs " + rows + " row and " + cols + " column labels for its "
          + rows + "x" + cols + " weights, got " + rowLabels.length + " and " + columnLabels.length);
    }
    int width = MARGIN + cols * CELL + 10;
    int height = MARGIN + 20 + rows * CELL + 10;
    BufferedImage image = new BufferedImage(Math.max(width, 8 * title.length() + 20), height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, image.getWidth(), height);
      g.setFont(new Font(Font.MONOSPACED, Font.PLAIN, 13));
      FontMetrics fm = g.getFontMetrics();
      g.setColor(Color.BLACK);
      g.drawString(title, 5, 15);
      int top = MARGIN + 20;
      for (int j = 0; j < cols; j++) {
        int x = MARGIN + j * CELL;
        g.drawString(columnLabels[j], x + (CELL - fm.stringWidth(columnLabels[j])) / 2, top - 6);
      }
      for (int i = 0; i < rows; i++) {
        int y = top + i * CELL;
        g.setColor(Color.BLACK);
        g.drawString(rowLabels[i], MARGIN - 6 - fm.stringWidth(rowLabels[i]), y + CELL / 2 + fm.getAscent() / 2 - 1);
        for (int j = 0; j < cols; j++) {
          float w = Math.max(0f, Math.min(1f, weights[i][j]));
          int level = Math.round(255 * (1 - w));
          g.setColor(new Color(level, level, level));
          g.fillRect(MARGIN + j * CELL, y, CELL, CELL);
        }
      }
      g.setColor(Color.GRAY);
      g.drawRect(MARGIN, top, cols * CELL, rows * CELL);
    } finally {
      g.dispose();
    }
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      if (!ImageIO.write(image, "png", file.toFile())) {
        throw new IOException("no PNG writer available");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write heatmap " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes the heatmap of a model's alignment, labelled with its characters. */
  public static void write(Path file, String title, Seq2SeqModel model, Seq2SeqModel.Alignment a) {
    String[] cols = new String[a.sourceTokens().length];
    for (int j = 0; j < cols.length; j++) {
      cols[j] = model.sourceVocabulary().label(a.sourceTokens()[j]);
    }
    String[] rows = new String[a.outputTokens().length];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = model.targetVocabulary().label(a.outputTokens()[i]);
    }
    write(file, title, cols, rows, a.weights());
  }
}
