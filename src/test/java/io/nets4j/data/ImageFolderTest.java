package io.nets4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {
  @TempDir Path dir;

  /** A w x h RGB image whose pixel (x, y) is (10x + seed, 20y, seed). */
  static Path png(Path file, int w, int h, int seed) throws IOException {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, (((10 * x + seed) & 0xff) << 16) | (((20 * y) & 0xff) << 8) | (seed & 0xff));
      }
    }
    Files.createDirectories(file.getParent());
    ImageIO.write(img, file.toString().endsWith(".jpg") ? "jpg" : "png", file.toFile());
    return file;
  }

  static void assertPng(Image img, int w, int h, int seed) {
    assertEquals(3, img.channels());
    assertEquals(h, img.height());
    assertEquals(w, img.width());
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        assertEquals(((10 * x + seed) & 0xff) / 255f, img.get(0, y, x), 0f);
        assertEquals(((20 * y) & 0xff) / 255f, img.get(1, y, x), 0f);
        assertEquals((seed & 0xff) / 255f, img.get(2, y, x), 0f);
      }
    }
  }

  @Test
  void classesSortedAndPixelsExact() throws IOException {
    png(dir.resolve("zebra/b.png"), 4, 3, 1);
    png(dir.resolve("zebra/a.png"), 4, 3, 2);
    png(dir.resolve("zebra/sub/0.png"), 4, 3, 3); // nested: after the folder's own files, as torchvision
    png(dir.resolve("Apple/x.PNG"), 5, 2, 4);
    png(dir.resolve("cat/y.jpg"), 8, 8, 5);
    Files.writeString(dir.resolve("cat/notes.txt"), "not an image");
    Files.writeString(dir.resolve("README"), "ignored: not a folder");
    ImageFolder ds = ImageFolder.open(dir);
    assertEquals(List.of("Apple", "cat", "zebra"), ds.classes()); // code-point order, like Python's sorted()
    assertEquals(5, ds.size());
    List<String> files = ds.samples().stream().map(s -> dir.relativize(s.file()).toString()).toList();
    assertEquals(List.of("Apple/x.PNG", "cat/y.jpg", "zebra/a.png", "zebra/b.png", "zebra/sub/0.png"), files);
    assertEquals(0, ds.get(0).label());
    assertPng(ds.get(0).image(), 5, 2, 4);
    assertEquals(2, ds.get(2).label());
    assertPng(ds.get(2).image(), 4, 3, 2);
    assertPng(ds.get(4).image(), 4, 3, 3);
    Image jpeg = ds.get(1).image(); // lossy, so only the size and the rough colour
    assertEquals(8, jpeg.width());
    assertEquals(5 / 255f, jpeg.get(2, 4, 4), 0.05f);
    assertTrue(ds.skipped().isEmpty());
  }

  @Test
  void greyImagesKeepTheirLevels() throws IOException {
    BufferedImage grey = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
    grey.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {0, 77, 255});
    Path file = dir.resolve("g.png");
    ImageIO.write(grey, "png", file.toFile());
    Image img = ImageFiles.readRgb(file);
    for (int c = 0; c < 3; c++) {
      assertEquals(77 / 255f, img.get(c, 0, 1), 0f); // getRGB would have gamma-shifted 77
      assertEquals(1f, img.get(c, 0, 2), 0f);
    }
  }

  @Test
  void undecodableImageNamesTheFileOrIsSkipped() throws IOException {
    png(dir.resolve("a/good.png"), 2, 2, 0);
    Path bad = dir.resolve("a/bad.png");
    Files.writeString(bad, "this is not a png");
    byte[] real = Files.readAllBytes(png(dir.resolve("b/cut.png"), 16, 16, 9));
    Path cut = Files.write(dir.resolve("b/cut.png"), Arrays.copyOf(real, real.length / 2));
    ImageFolder strict = ImageFolder.open(dir);
    assertEquals(3, strict.size());
    DatasetException e = assertThrows(DatasetException.class, () -> strict.get(0));
    assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
    e = assertThrows(DatasetException.class, () -> strict.get(2));
    assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());

    ImageFolder lenient = ImageFolder.open(dir, true);
    assertEquals(1, lenient.size());
    assertPng(lenient.get(0).image(), 2, 2, 0);
    assertEquals(List.of(bad, cut), lenient.skipped().stream().map(ImageFolder.SkippedFile::file).toList());
    assertEquals(List.of("a", "b"), lenient.classes());
  }

  @Test
  void hugeClaimedSizeIsRejectedBeforeDecoding() throws IOException {
    Path file = png(dir.resolve("liar.png"), 1, 1, 0);
    byte[] bytes = Files.readAllBytes(file);
    // IHDR width and height follow the 8-byte signature, the chunk length and the type.
    ByteBuffer.wrap(bytes).putInt(16, 100_000).putInt(20, 100_000);
    Files.write(file, bytes);
    DatasetException e = assertThrows(DatasetException.class, () -> ImageFiles.readRgb(file));
    assertTrue(e.getMessage().contains("100000x100000") && e.getMessage().contains("limit"), e.getMessage());
  }

  @Test
  void badLayouts() throws IOException {
    DatasetException e = assertThrows(DatasetException.class, () -> ImageFolder.open(dir.resolve("absent")));
    assertTrue(e.getMessage().contains("no such folder"), e.getMessage());
    e = assertThrows(DatasetException.class, () -> ImageFolder.open(dir));
    assertTrue(e.getMessage().contains("no class folders"), e.getMessage());
    png(dir.resolve("a/1.png"), 2, 2, 0);
    Files.createDirectories(dir.resolve("empty"));
    e = assertThrows(DatasetException.class, () -> ImageFolder.open(dir));
    assertTrue(e.getMessage().startsWith(dir.resolve("empty").toString()) && e.getMessage().contains("no image file"),
        e.getMessage());
  }

  @Test
  void writePngRoundTrips() {
    float[] data = new float[3 * 2 * 3];
    for (int i = 0; i < data.length; i++) {
      data[i] = i * 15 / 255f;
    }
    Image img = new Image(data, 3, 2, 3);
    Path file = dir.resolve("out.png");
    ImageFiles.writePng(img, file);
    Image back = ImageFiles.readRgb(file);
    for (int i = 0; i < data.length; i++) {
      assertEquals(data[i], back.data()[i], 1e-6f);
    }
  }
}
