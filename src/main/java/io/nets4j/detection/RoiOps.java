package io.nets4j.detection;

import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Region-of-interest pooling on libtorch ops, with torchvision's semantics ({@code torchvision.ops})
 * and autograd to the features: RoI max pooling (Girshick 2015, "Fast R-CNN") and RoI Align (He et
 * al. 2017, "Mask R-CNN"). Regions are {@code [K, 5]} rows {@code (batch index, x1, y1, x2, y2)}
 * in input-image coordinates; {@code spatialScale} maps them onto the feature map.
 */
public final class RoiOps {
  /** Rows of gathered samples per chunk of RoI Align (bounds the temporary {@code [rows, C]} tensor). */
  private static final long ALIGN_CHUNK_ROWS = 1L << 15;

  private RoiOps() {
  }

  /**
   * RoI Align: each output bin averages bilinear samples on a regular grid inside the bin, without
   * quantising the region. {@code samplingRatio <= 0} uses {@code ceil(roi size / output size)}
   * samples per bin side; {@code aligned} shifts the region by half a pixel so that pixel centres
   * line up (torchvision's {@code aligned=True}).
   *
   * @return {@code [K, C, outH, outW]}
   */
  public static Tensor roiAlign(Tensor features, Tensor rois, int outH, int outW, double spatialScale,
      int samplingRatio, boolean aligned) {
    check(features, rois, "roi_align");
    long n = features.size(0);
    long c = features.size(1);
    int height = (int) features.size(2);
    int width = (int) features.size(3);
    double[] r = Tensors.toDoubleArray(rois.to(torch.ScalarType.Double).contiguous());
    int k = (int) rois.size(0);
    Tensor flat = features.permute(0, 2, 3, 1).reshape(n * height * width, c);
    int bins = outH * outW;
    List<Tensor> outputs = new ArrayList<>();
    int start = 0;
    while (start < k) {
      // Grid sizes differ per region; pad each bin's sample list to the chunk's largest.
      int end = start;
      int maxSamples = 0;
      while (end < k) {
        int s = samplesPerBin(r, end, outH, outW, spatialScale, samplingRatio, aligned);
        int m = Math.max(maxSamples, s);
        if (end > start && (long) (end - start + 1) * bins * m * 4 > ALIGN_CHUNK_ROWS) {
          break;
        }
        maxSamples = m;
        end++;
      }
      int perBin = maxSamples * 4;
      int rows = (end - start) * bins * perBin;
      long[] index = new long[rows];
      double[] weight = new double[rows];
      for (int i = start; i < end; i++) {
        fillAlign(r, i, (i - start) * bins * perBin, perBin, index, weight, height, width, outH, outW,
            spatialScale, samplingRatio, aligned, n);
      }
      Tensor idx = Tensors.fromLongs(index, rows);
      Tensor w = Tensors.fromDoubles(weight, rows).to(features.scalar_type());
      Tensor samples = flat.index_select(0, idx).mul(w.unsqueeze(1));
      Tensor pooled = samples.reshape(end - start, bins, perBin, c).sum(new long[] {2}, false,
          new org.bytedeco.pytorch.ScalarTypeOptional());
      outputs.add(pooled.permute(0, 2, 1).reshape(end - start, c, outH, outW));
      start = end;
    }
    if (outputs.isEmpty()) {
      return features.new_zeros(0, c, outH, outW);
    }
    return outputs.size() == 1 ? outputs.get(0) : Tensors.cat(outputs, 0);
  }

  private static int[] grid(double[] r, int i, int outH, int outW, double scale, int samplingRatio, boolean aligned) {
    double offset = aligned ? 0.5 : 0.0;
    double roiW = r[i * 5 + 3] * scale - offset - (r[i * 5 + 1] * scale - offset);
    double roiH = r[i * 5 + 4] * scale - offset - (r[i * 5 + 2] * scale - offset);
    if (!aligned) {
      roiW = Math.max(roiW, 1.0);
      roiH = Math.max(roiH, 1.0);
    }
    int gh = samplingRatio > 0 ? samplingRatio : (int) Math.ceil(roiH / outH);
    int gw = samplingRatio > 0 ? samplingRatio : (int) Math.ceil(roiW / outW);
    return new int[] {gh, gw};
  }

  private static int samplesPerBin(double[] r, int i, int outH, int outW, double scale, int samplingRatio,
      boolean aligned) {
    int[] g = grid(r, i, outH, outW, scale, samplingRatio, aligned);
    return Math.max(g[0] * g[1], 1);
  }

  private static void fillAlign(double[] r, int i, int base, int perBin, long[] index, double[] weight,
      int height, int width, int outH, int outW, double scale, int samplingRatio, boolean aligned, long n) {
    long b = (long) r[i * 5];
    if (b < 0 || b >= n) {
      throw new IllegalArgumentException("roi " + i + " has batch index " + b + " outside [0, " + n + ")");
    }
    double offset = aligned ? 0.5 : 0.0;
    double x0 = r[i * 5 + 1] * scale - offset;
    double y0 = r[i * 5 + 2] * scale - offset;
    double roiW = r[i * 5 + 3] * scale - offset - x0;
    double roiH = r[i * 5 + 4] * scale - offset - y0;
    if (!aligned) {
      roiW = Math.max(roiW, 1.0);
      roiH = Math.max(roiH, 1.0);
    }
    double binH = roiH / outH;
    double binW = roiW / outW;
    int[] g = grid(r, i, outH, outW, scale, samplingRatio, aligned);
    double count = Math.max(g[0] * g[1], 1);
    long planeBase = b * height * width;
    for (int ph = 0; ph < outH; ph++) {
      for (int pw = 0; pw < outW; pw++) {
        int row = base + (ph * outW + pw) * perBin;
        for (int iy = 0; iy < g[0]; iy++) {
          double y = y0 + ph * binH + (iy + 0.5) * binH / g[0];
          for (int ix = 0; ix < g[1]; ix++) {
            double x = x0 + pw * binW + (ix + 0.5) * binW / g[1];
            bilinear(y, x, height, width, planeBase, 1.0 / count, index, weight, row);
            row += 4;
          }
        }
      }
    }
  }

  // Samples outside [-1, size] contribute zero; nearer ones clamp to the border (torchvision).
  private static void bilinear(double y, double x, int height, int width, long planeBase, double scale,
      long[] index, double[] weight, int row) {
    if (y < -1.0 || y > height || x < -1.0 || x > width) {
      return;
    }
    y = Math.max(y, 0);
    x = Math.max(x, 0);
    int yLow = (int) y;
    int xLow = (int) x;
    int yHigh;
    int xHigh;
    if (yLow >= height - 1) {
      yHigh = yLow = height - 1;
      y = yLow;
    } else {
      yHigh = yLow + 1;
    }
    if (xLow >= width - 1) {
      xHigh = xLow = width - 1;
      x = xLow;
    } else {
      xHigh = xLow + 1;
    }
    double ly = y - yLow;
    double lx = x - xLow;
    double hy = 1 - ly;
    double hx = 1 - lx;
    index[row] = planeBase + (long) yLow * width + xLow;
    index[row + 1] = planeBase + (long) yLow * width + xHigh;
    index[row + 2] = planeBase + (long) yHigh * width + xLow;
    index[row + 3] = planeBase + (long) yHigh * width + xHigh;
    weight[row] = hy * hx * scale;
    weight[row + 1] = hy * lx * scale;
    weight[row + 2] = ly * hx * scale;
    weight[row + 3] = ly * lx * scale;
  }

  /**
   * RoI max pooling (Fast R-CNN): the region, rounded to feature cells, is split into
   * {@code outH x outW} bins and each bin takes its maximum (0 for a bin outside the map).
   *
   * @return {@code [K, C, outH, outW]}
   */
  public static Tensor roiPool(Tensor features, Tensor rois, int outH, int outW, double spatialScale) {
    check(features, rois, "roi_pool");
    long n = features.size(0);
    long c = features.size(1);
    int height = (int) features.size(2);
    int width = (int) features.size(3);
    double[] r = Tensors.toDoubleArray(rois.to(torch.ScalarType.Double).contiguous());
    int k = (int) rois.size(0);
    int bins = outH * outW;
    // Bin windows as [rows, cols) per RoI and bin; then one gather of every bin's cells, padded to
    // the largest bin by repeating the bin's first cell (which leaves the max unchanged). Empty bins
    // read an extra zero row. One gather and one max instead of an op per bin keeps the graph small.
    long[][] window = new long[k * bins][];
    int maxCells = 1;
    for (int i = 0; i < k; i++) {
      long b = (long) r[i * 5];
      if (b < 0 || b >= n) {
        throw new IllegalArgumentException("roi " + i + " has batch index " + b + " outside [0, " + n + ")");
      }
      long x1 = roundHalfAway(r[i * 5 + 1] * spatialScale);
      long y1 = roundHalfAway(r[i * 5 + 2] * spatialScale);
      long x2 = roundHalfAway(r[i * 5 + 3] * spatialScale);
      long y2 = roundHalfAway(r[i * 5 + 4] * spatialScale);
      double binH = (double) Math.max(y2 - y1 + 1, 1) / outH;
      double binW = (double) Math.max(x2 - x1 + 1, 1) / outW;
      for (int ph = 0; ph < outH; ph++) {
        long hs = clamp((long) Math.floor(ph * binH) + y1, height);
        long he = clamp((long) Math.ceil((ph + 1) * binH) + y1, height);
        for (int pw = 0; pw < outW; pw++) {
          long ws = clamp((long) Math.floor(pw * binW) + x1, width);
          long we = clamp((long) Math.ceil((pw + 1) * binW) + x1, width);
          window[i * bins + ph * outW + pw] = new long[] {b, hs, he, ws, we};
          maxCells = (int) Math.max(maxCells, Math.max(0, he - hs) * Math.max(0, we - ws));
        }
      }
    }
    long zeroRow = n * height * width;
    long[] index = new long[k * bins * maxCells];
    for (int j = 0; j < k * bins; j++) {
      long[] w = window[j];
      int m = 0;
      for (long y = w[1]; y < w[2]; y++) {
        for (long x = w[3]; x < w[4]; x++) {
          index[j * maxCells + m++] = (w[0] * height + y) * width + x;
        }
      }
      long pad = m == 0 ? zeroRow : index[j * maxCells];
      for (; m < maxCells; m++) {
        index[j * maxCells + m] = pad;
      }
    }
    if (k == 0) {
      return features.new_zeros(0, c, outH, outW);
    }
    Tensor flat = Tensors.cat(List.of(features.permute(0, 2, 3, 1).reshape(n * height * width, c),
        features.new_zeros(1, c)), 0);
    Tensor cells = flat.index_select(0, Tensors.fromLongs(index).to(features.device(), torch.ScalarType.Long));
    Tensor pooled = cells.reshape(k, bins, maxCells, c).amax(new long[] {2}, false);
    return pooled.permute(0, 2, 1).reshape(k, c, outH, outW);
  }

  private static long clamp(long v, long size) {
    return Math.min(Math.max(v, 0), size);
  }

  private static long roundHalfAway(double v) {
    return (long) (Math.signum(v) * Math.floor(Math.abs(v) + 0.5));
  }

  private static void check(Tensor features, Tensor rois, String op) {
    if (features.dim() != 4) {
      throw new IllegalArgumentException(op + ": features must be [N, C, H, W], got " + Tensors.describe(features));
    }
    if (rois.dim() != 2 || rois.size(1) != 5) {
      throw new IllegalArgumentException(op + ": rois must be [K, 5] (batch index, x1, y1, x2, y2), got "
          + Tensors.describe(rois));
    }
  }

  /** Turns per-image boxes {@code [Ki, 4]} into {@code [sum Ki, 5]} rows with the image index first. */
  public static Tensor toRois(List<Tensor> boxes) {
    List<Tensor> rows = new ArrayList<>();
    for (int i = 0; i < boxes.size(); i++) {
      Tensor bx = boxes.get(i);
      BoxOps.checkBoxes(bx, "boxes of image " + i);
      Tensor imageIndex = torch.full(new long[] {bx.size(0), 1}, new Scalar((double) i),
          new TensorOptions().dtype(new ScalarTypeOptional(bx.scalar_type())));
      rows.add(Tensors.cat(List.of(imageIndex, bx), 1));
    }
    return Tensors.cat(rows, 0);
  }
}
