package io.nets4j.analysis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nets4j.tensor.Tensors;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders a {@link ModelSummary} as text, Markdown or JSON. */
final class SummaryRenderer {
  private static final String[] HEADER = {"Layer", "Type", "Output shape", "Params", "MACs", "RF", "Jump"};
  private static final boolean[] RIGHT = {false, false, false, true, true, true, true};
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private SummaryRenderer() {}

  static String text(ModelSummary s, int depth) {
    List<String[]> cells = new ArrayList<>();
    for (SummaryRow r : s.rows(depth)) {
      String[] c = cells(r, depth);
      c[0] = "  ".repeat(r.depth()) + c[0];
      cells.add(c);
    }
    int[] width = new int[HEADER.length];
    for (int i = 0; i < HEADER.length; i++) {
      width[i] = HEADER[i].length();
      for (String[] c : cells) {
        width[i] = Math.max(width[i], c[i].length());
      }
    }
    int total = (HEADER.length - 1) * 2;
    for (int w : width) {
      total += w;
    }
    String rule = "=".repeat(total) + "\n";
    StringBuilder b = new StringBuilder();
    b.append("Summary of ").append(s.name()).append(": input ").append(Tensors.describe(s.inputShape()))
        .append(' ').append(s.dtype().torchName()).append(", depth ").append(depth).append('\n');
    b.append(rule).append(line(HEADER, width)).append(rule);
    for (String[] c : cells) {
      b.append(line(c, width));
    }
    b.append(rule);
    for (String[] t : totalLines(s.totals())) {
      b.append(t[0]).append(": ").append(t[1]).append('\n');
    }
    b.append(rule);
    return b.toString();
  }

  static String markdown(ModelSummary s, int depth) {
    StringBuilder b = new StringBuilder();
    b.append("Summary of `").append(s.name()).append("`: input `").append(Tensors.describe(s.inputShape()))
        .append("` ").append(s.dtype().torchName()).append(", depth ").append(depth).append(".\n\n");
    String[] columns = new String[HEADER.length];
    for (int i = 0; i < columns.length; i++) {
      columns[i] = RIGHT[i] ? ">" + HEADER[i] : HEADER[i];
    }
    MarkdownTable table = new MarkdownTable(columns);
    for (SummaryRow r : s.rows(depth)) {
      Object[] c = cells(r, depth);
      c[0] = "`" + c[0] + "`";
      table.row(c);
    }
    b.append(table);
    b.append("\n| Total | |\n|---|---:|\n");
    for (String[] t : totalLines(s.totals())) {
      b.append("| ").append(t[0]).append(" | ").append(t[1]).append(" |\n");
    }
    return b.toString();
  }

  static String json(ModelSummary s, int depth) {
    ObjectNode root = JSON.createObjectNode();
    root.put("model", s.name());
    ArrayNode input = root.putArray("inputShape");
    for (long d : s.inputShape()) {
      input.add(d);
    }
    root.put("dtype", s.dtype().torchName());
    root.put("depth", depth);
    ArrayNode layers = root.putArray("layers");
    for (SummaryRow r : s.rows(depth)) {
      ObjectNode o = layers.addObject();
      o.put("index", r.index());
      o.put("depth", r.depth());
      o.put("path", r.path());
      o.put("type", r.type());
      ArrayNode in = o.putArray("inputShape");
      for (long d : r.inputShape()) {
        in.add(d);
      }
      ArrayNode out = o.putArray("outputShape");
      for (long d : r.outputShape()) {
        out.add(d);
      }
      o.put("params", r.params());
      o.put("paramsTotal", r.paramsTotal());
      o.put("macs", r.macs());
      o.put("macsTotal", r.macsTotal());
      o.put("outputBytes", r.outputBytes());
      o.put("leaf", r.leaf());
      o.put("collapsed", r.collapsedAt(depth));
      o.put("repeated", r.repeated());
      if (r.receptiveField() != null) {
        ReceptiveField f = r.receptiveField();
        ObjectNode rf = o.putObject("receptiveField");
        putNumber(rf, "height", f.sizeH());
        putNumber(rf, "width", f.sizeW());
        ObjectNode jump = o.putObject("jump");
        putNumber(jump, "height", f.jumpH());
        putNumber(jump, "width", f.jumpW());
      }
    }
    SummaryTotals t = s.totals();
    ObjectNode totals = root.putObject("totals");
    totals.put("params", t.params());
    totals.put("trainableParams", t.trainableParams());
    totals.put("nonTrainableParams", t.nonTrainableParams());
    totals.put("bufferElements", t.bufferElements());
    totals.put("macs", t.macs());
    ObjectNode byType = totals.putObject("macsByType");
    t.macsByType().forEach(byType::put);
    totals.put("inputBytes", t.inputBytes());
    totals.put("paramBytes", t.paramBytes());
    totals.put("bufferBytes", t.bufferBytes());
    totals.put("activationBytes", t.activationBytes());
    totals.put("totalBytes", t.totalBytes());
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An integral value as a JSON integer, others as decimals. */
  private static void putNumber(ObjectNode o, String key, double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      o.put(key, (long) v);
    } else {
      o.put(key, v);
    }
  }

  private static String[] cells(SummaryRow r, int depth) {
    ReceptiveField f = r.receptiveField();
    String params = r.repeated() && r.paramsTotal() > 0 ? "(shared)" : count(r.paramsAt(depth));
    return new String[] {r.path(), r.type(), Tensors.describe(r.outputShape()), params, count(r.macsAt(depth)),
        f == null ? "" : f.sizeText(), f == null ? "" : f.jumpText()};
  }

  private static List<String[]> totalLines(SummaryTotals t) {
    List<String[]> lines = new ArrayList<>();
    lines.add(new String[] {"Total params", grouped(t.params())});
    lines.add(new String[] {"Trainable params", grouped(t.trainableParams())});
    lines.add(new String[] {"Non-trainable params", grouped(t.nonTrainableParams())});
    lines.add(new String[] {"Total MACs", grouped(t.macs()) + " (" + human(t.macs()) + ")"});
    StringBuilder byType = new StringBuilder();
    for (Map.Entry<String, Long> e : t.macsByType().entrySet()) {
      byType.append(byType.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(grouped(e.getValue()));
    }
    lines.add(new String[] {"MACs by layer type", byType.length() == 0 ? "--" : byType.toString()});
    lines.add(new String[] {"Input size (MB)", megabytes(t.inputBytes())});
    lines.add(new String[] {"Forward activations, outputs of leaf layers (MB)", megabytes(t.activationBytes())});
    lines.add(new String[] {"Params size (MB)", megabytes(t.paramBytes())});
    lines.add(new String[] {"Buffers size (MB)", megabytes(t.bufferBytes())});
    lines.add(new String[] {"Estimated total size (MB)", megabytes(t.totalBytes())});
    return lines;
  }

  private static String line(String[] cells, int[] width) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      if (i > 0) {
        b.append("  ");
      }
      String pad = " ".repeat(width[i] - cells[i].length());
      b.append(RIGHT[i] ? pad + cells[i] : cells[i] + pad);
    }
    return b.toString().stripTrailing() + "\n";
  }

  /** A count with thousands separators, {@code --} for zero (as torchinfo). */
  static String count(long n) {
    return n == 0 ? "--" : grouped(n);
  }

  static String grouped(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** {@code 4.10 G}, {@code 231.21 M}, {@code 1.50 K}. */
  static String human(long n) {
    if (n >= 1_000_000_000L) {
      return String.format(Locale.ROOT, "%.2f G", n / 1e9);
    }
    if (n >= 1_000_000L) {
      return String.format(Locale.ROOT, "%.2f M", n / 1e6);
    }
    if (n >= 1_000L) {
      return String.format(Locale.ROOT, "%.2f K", n / 1e3);
    }
    return Long.toString(n);
  }

  /** Megabytes of 10^6 bytes, as torchinfo. */
  static String megabytes(long bytes) {
    return String.format(Locale.ROOT, "%.2f", bytes / 1e6);
  }
}
