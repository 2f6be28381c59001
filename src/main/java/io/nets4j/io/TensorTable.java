package io.nets4j.io;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/** The table of tensors that {@code nets4j inspect} prints, shared by every weights format. */
final class TensorTable {
  private TensorTable() {}

  /** Total elements and bytes of {@code infos}. */
  record Totals(long elements, long bytes) {
    static Totals of(Collection<WeightsFile.TensorInfo> infos) {
      long elements = 0;
      long bytes = 0;
      for (WeightsFile.TensorInfo t : infos) {
        elements += t.numel();
        bytes += t.byteSize();
      }
      return new Totals(elements, bytes);
    }
  }

  /** One aligned row per tensor (key, dtype, shape, elements, bytes), then a total row. */
  static String render(Collection<WeightsFile.TensorInfo> infos) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"key", "dtype", "shape", "elements", "bytes"});
    for (WeightsFile.TensorInfo t : infos) {
      rows.add(new String[] {t.name(), t.dtype().safetensorsCode(), Arrays.toString(t.shape()),
          Long.toString(t.numel()), Long.toString(t.byteSize())});
    }
    Totals totals = Totals.of(infos);
    rows.add(new String[] {"total", "", "", Long.toString(totals.elements()), Long.toString(totals.bytes())});
    int[] width = new int[5];
    for (String[] row : rows) {
      for (int i = 0; i < width.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] row : rows) {
      String line = String.format(Locale.ROOT, "%-" + width[0] + "s  %-" + width[1] + "s  %-" + width[2] + "s  %"
          + width[3] + "s  %" + width[4] + "s", (Object[]) row);
      out.append(line.stripTrailing()).append('\n');
    }
    return out.toString();
  }
}
