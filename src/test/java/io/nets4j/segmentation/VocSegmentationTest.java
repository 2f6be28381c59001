package io.nets4j.segmentation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.DatasetException;
import io.nets4j.data.SegmentationSample;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VocSegmentationTest {
  @TempDir
  Path root;

  /** Pascal VOC's palette: the colours do not matter, the index is the class. */
  private static IndexColorModel palette() {
    byte[] r = new byte[256];
    byte[] g = new byte[256];
    byte[] b = new byte[256];
    for (int i = 0; i < 256; i++) {
      r[i] = (byte) (i * 37);
      g[i] = (byte) (i * 91);
      b[i] = (byte) (255 - i);
    }
    return new IndexColorModel(8, 256, r, g, b);
  }

  private void write(String id, int w, int h, int[] classes, int maskW, int maskH) throws IOException {
    Files.createDirectories(root.resolve("JPEGImages"));
    Files.createDirectories(root.resolve("SegmentationClass"));
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    ImageIO.write(img, "jpg", root.resolve("JPEGImages").resolve(id + ".jpg").toFile());
    BufferedImage mask = new BufferedImage(maskW, maskH, BufferedImage.TYPE_BYTE_INDEXED, palette());
    mask.getRaster().setPixels(0, 0, maskW, maskH, classes);
    ImageIO.write(mask, "png", root.resolve("SegmentationClass").resolve(id + ".png").toFile());
  }

  private void split(String name, String... ids) throws IOException {
    Path dir = Files.createDirectories(root.resolve("ImageSets").resolve("Segmentation"));
    Files.writeString(dir.resolve(name + ".txt"), String.join("\n", ids) + "\n");
  }

  @Test
  void readsPaletteIndicesAsClasses() throws IOException {
    int[] classes = {0, 1, 15, 255, 20, 0};
    write("2007_000032", 3, 2, classes, 3, 2);
    split("train", "2007_000032");
    VocSegmentation voc = new VocSegmentation(root, "train");
    assertEquals(1, voc.size());
    SegmentationSample s = voc.get(0);
    assertEquals(3, s.image().channels());
    assertEquals(2, s.image().height());
    assertArrayEquals(classes, s.mask());
  }

  @Test
  void missingFilesAreListed() throws IOException {
    write("a", 2, 2, new int[4], 2, 2);
    split("val", "a", "b");
    DatasetException e = assertThrows(DatasetException.class, () -> new VocSegmentation(root, "val"));
    assertTrue(e.getMessage().contains("2 listed files are missing") && e.getMessage().contains("b.jpg")
        && e.getMessage().contains("b.png"), e.getMessage());
    e = assertThrows(DatasetException.class, () -> new VocSegmentation(root, "test"));
    assertTrue(e.getMessage().contains("test.txt"), e.getMessage());
  }

  @Test
  void mismatchedMaskSizeIsReported() throws IOException {
    write("a", 4, 3, new int[6], 3, 2);
    split("train", "a");
    DatasetException e = assertThrows(DatasetException.class, () -> new VocSegmentation(root, "train").get(0));
    assertTrue(e.getMessage().contains("a.png") && e.getMessage().contains("3x2") && e.getMessage().contains("4x3"),
        e.getMessage());
  }

  @Test
  void rgbMaskIsRejected() throws IOException {
    write("a", 2, 2, new int[4], 2, 2);
    ImageIO.write(new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB), "png",
        root.resolve("SegmentationClass").resolve("a.png").toFile());
    split("train", "a");
    DatasetException e = assertThrows(DatasetException.class, () -> new VocSegmentation(root, "train").get(0));
    assertTrue(e.getMessage().contains("not a palette"), e.getMessage());
  }
}
