package io.nets4j.segmentation;

import io.nets4j.data.DatasetException;
import io.nets4j.data.Dataset;
import io.nets4j.data.Image;
import io.nets4j.data.ImageFiles;
import io.nets4j.data.SegmentationSample;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * A Pascal VOC-style segmentation folder: {@code JPEGImages/ID.jpg} images and
 * {@code SegmentationClass/ID.png} palette PNGs whose palette index is the class of each pixel
 * (0 background, 1-20 objects, {@value SegmentationMetrics#IGNORE} for borders to ignore), with the
 * ids of a split listed one per line in {@code ImageSets/Segmentation/SPLIT.txt}.
 *
 * <p>Every listed file is checked when the data set is opened, so a missing image or mask is
 * reported at once with its path; masks whose size differs from their image, or that are not
 * palette (or 8-bit grey) PNGs, are reported when read.
 */
public final class VocSegmentation implements Dataset<SegmentationSample> {
  private final Path root;
  private final List<String> ids;

  /** The split {@code split} ({@code train}, {@code val}, ...) of the folder {@code root}. */
  public VocSegmentation(Path root, String split) {
    this.root = root;
    Path list = root.resolve("ImageSets").resolve("Segmentation").resolve(split + ".txt");
    if (!Files.isRegularFile(list)) {
      throw new DatasetException(list, "no such split list (expected ImageSets/Segmentation/" + split + ".txt under "
          + root + ")");
    }
    try (Stream<String> lines = Files.lines(list)) {
      ids = lines.map(String::strip).filter(s -> !s.isEmpty()).toList();
    } catch (IOException e) {
      throw new DatasetException(list, "cannot read the split list: " + e.getMessage(), e);
    }
    if (ids.isEmpty()) {
      throw new DatasetException(list, "the split lists no image ids");
    }
    List<String> missing = new ArrayList<>();
    for (String id : ids) {
      for (Path p : List.of(image(id), mask(id))) {
        if (!Files.isRegularFile(p)) {
          missing.add(root.relativize(p).toString());
        }
      }
    }
    if (!missing.isEmpty()) {
      throw new DatasetException(list, missing.size() + " listed files are missing: "
          + String.join(", ", missing.subList(0, Math.min(5, missing.size()))) + (missing.size() > 5 ? ", ..." : ""));
    }
  }

  private Path image(String id) {
    return root.resolve("JPEGImages").resolve(id + ".jpg");
  }

  private Path mask(String id) {
    return root.resolve("SegmentationClass").resolve(id + ".png");
  }

  public List<String> ids() {
    return ids;
  }

  @Override
  public int size() {
    return ids.size();
  }

  @Override
  public SegmentationSample get(int index) {
    String id = ids.get(index);
    Image image = ImageFiles.readRgb(image(id));
    Path maskFile = mask(id);
    BufferedImage mask = readMask(maskFile);
    if (mask.getWidth() != image.width() || mask.getHeight() != image.height()) {
      throw new DatasetException(maskFile, "mask is " + mask.getWidth() + "x" + mask.getHeight() + " but its image "
          + image(id).getFileName() + " is " + image.width() + "x" + image.height());
    }
    return new SegmentationSample(image, classIndices(mask));
  }

  /** The class of each pixel (row-major): its palette index. */
  static int[] classIndices(BufferedImage mask) {
    int w = mask.getWidth();
    int h = mask.getHeight();
    Raster raster = mask.getRaster();
    int[] out = new int[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        out[y * w + x] = raster.getSample(x, y, 0);
      }
    }
    return out;
  }

  private static BufferedImage readMask(Path file) {
    BufferedImage img;
    try {
      img = ImageIO.read(file.toFile());
    } catch (IOException e) {
      throw new DatasetException(file, "mask does not decode: " + e.getMessage(), e);
    }
    if (img == null) {
      throw new DatasetException(file, "mask is in no format ImageIO can read (a PNG is expected)");
    }
    boolean palette = img.getColorModel() instanceof IndexColorModel;
    boolean grey8 = img.getType() == BufferedImage.TYPE_BYTE_GRAY;
    if (!palette && !grey8) {
      throw new DatasetException(file, "mask is not a palette (indexed) PNG: the palette index is the class, "
          + "an RGB mask would need its colours mapped back to classes");
    }
    return img;
  }
}
