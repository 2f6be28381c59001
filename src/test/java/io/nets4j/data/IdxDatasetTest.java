package io.nets4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxDatasetTest {
  @TempDir Path dir;

  static byte[] idx(int dims, int[] shape, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * shape.length + data.length);
    b.putInt(0x0800 | dims);
    for (int s : shape) {
      b.putInt(s);
    }
    b.put(data);
    return b.array();
  }

  static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  private static byte[] pixels(int n, int h, int w) {
    byte[] p = new byte[n * h * w];
    for (int i = 0; i < p.length; i++) {
      p[i] = (byte) (i * 37 + 11);
    }
    return p;
  }

  private Path write(String name, byte[] bytes) throws IOException {
    return Files.write(dir.resolve(name), bytes);
  }

  private void assertSamples(IdxDataset ds, byte[] px, byte[] labels, int h, int w) {
    assertEquals(labels.length, ds.size());
    assertEquals(h, ds.height());
    assertEquals(w, ds.width());
    for (int i = 0; i < labels.length; i++) {
      LabeledImage s = ds.get(i);
      assertEquals(labels[i], s.label());
      assertEquals(1, s.image().channels());
      assertEquals(h, s.image().height());
      assertEquals(w, s.image().width());
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          assertEquals((px[(i * h + y) * w + x] & 0xff) / 255f, s.image().get(0, y, x), 0f);
        }
      }
    }
  }

  @Test
  void plainAndGzippedFilesRoundTrip() throws IOException {
    byte[] px = pixels(5, 3, 4);
    byte[] labels = {3, 0, 9, 1, 7};
    Path img = write("img", idx(3, new int[] {5, 3, 4}, px));
    Path lab = write("lab", idx(1, new int[] {5}, labels));
    assertSamples(IdxDataset.open(img, lab, IdxDataset.MNIST_CLASSES), px, labels, 3, 4);

    Path imgGz = write("img.gz", gzip(idx(3, new int[] {5, 3, 4}, px)));
    Path labGz = write("lab.gz", gzip(idx(1, new int[] {5}, labels)));
    assertSamples(IdxDataset.open(imgGz, labGz, IdxDataset.MNIST_CLASSES), px, labels, 3, 4);
    // Mixed: gzip is detected per file by its magic bytes, not by name.
    Path gzNamedPlain = write("plain.gz", idx(1, new int[] {5}, labels));
    assertSamples(IdxDataset.open(imgGz, gzNamedPlain, IdxDataset.MNIST_CLASSES), px, labels, 3, 4);
  }

  @Test
  void folderConventionAndClassNames() throws IOException {
    byte[] px = pixels(2, 2, 2);
    Path fashion = Files.createDirectories(dir.resolve("Fashion-MNIST/raw"));
    Files.write(fashion.resolve("t10k-images-idx3-ubyte.gz"), gzip(idx(3, new int[] {2, 2, 2}, px)));
    Files.write(fashion.resolve("t10k-labels-idx1-ubyte.gz"), gzip(idx(1, new int[] {2}, new byte[] {9, 0})));
    IdxDataset test = IdxDataset.openFolder(fashion, false);
    assertEquals(IdxDataset.FASHION_MNIST_CLASSES, test.classes());
    assertEquals("Ankle boot", test.classes().get(test.get(0).label()));

    Path mnist = Files.createDirectories(dir.resolve("mnist"));
    Files.write(mnist.resolve("train-images.idx3-ubyte"), idx(3, new int[] {2, 2, 2}, px));
    Files.write(mnist.resolve("train-labels.idx1-ubyte"), idx(1, new int[] {2}, new byte[] {4, 2}));
    IdxDataset train = IdxDataset.openFolder(mnist, true);
    assertEquals(IdxDataset.MNIST_CLASSES, train.classes());
    assertEquals(4, train.get(0).label());
    assertEquals(List.of("a", "b", "c", "d", "e"), IdxDataset.openFolder(mnist, true, List.of("a", "b", "c", "d", "e"))
        .classes());

    DatasetException missing = assertThrows(DatasetException.class, () -> IdxDataset.openFolder(mnist, false));
    assertTrue(missing.getMessage().contains("t10k-images"), missing.getMessage());
  }

  private DatasetException fails(Path images, Path labels) {
    return assertThrows(DatasetException.class, () -> IdxDataset.open(images, labels, IdxDataset.MNIST_CLASSES));
  }

  @Test
  void wrongMagicNumber() throws IOException {
    Path lab = write("lab", idx(1, new int[] {2}, new byte[] {1, 2}));
    Path img = write("img", idx(3, new int[] {2, 2, 2}, pixels(2, 2, 2)));
    DatasetException e = fails(lab, lab); // a labels file where images are expected
    assertTrue(e.getMessage().startsWith(lab.toString()) && e.getMessage().contains("magic"), e.getMessage());
    assertTrue(e.getMessage().contains("0x00000801") && e.getMessage().contains("0x00000803"), e.getMessage());

    byte[] floats = idx(3, new int[] {2, 2, 2}, pixels(2, 2, 2));
    floats[2] = 0x0d;
    e = fails(write("floats", floats), lab);
    assertTrue(e.getMessage().contains("element type 0xd"), e.getMessage());

    e = fails(write("text", "hello world, not an idx file".getBytes()), lab);
    assertTrue(e.getMessage().contains("not an IDX file"), e.getMessage());
    e = fails(img, write("textgz", gzip("hello world, not an idx file".getBytes())));
    assertTrue(e.getMessage().contains("not an IDX file") && e.getMessage().contains("textgz"), e.getMessage());
  }

  @Test
  void truncatedAndTrailingData() throws IOException {
    byte[] full = idx(3, new int[] {4, 3, 3}, pixels(4, 3, 3));
    Path lab = write("lab", idx(1, new int[] {4}, new byte[] {1, 2, 3, 4}));
    DatasetException e = fails(write("cut", Arrays.copyOf(full, full.length - 5)), lab);
    assertTrue(e.getMessage().contains("cut: truncated") && e.getMessage().contains("36 bytes"), e.getMessage());
    e = fails(write("cut.gz", gzip(Arrays.copyOf(full, full.length - 5))), lab);
    assertTrue(e.getMessage().contains("cut.gz: truncated"), e.getMessage());
    e = fails(write("header", Arrays.copyOf(full, 7)), lab);
    assertTrue(e.getMessage().contains("header: truncated"), e.getMessage());
    e = fails(write("long", Arrays.copyOf(full, full.length + 3)), lab);
    assertTrue(e.getMessage().contains("3 unexpected bytes"), e.getMessage());
    e = fails(write("long.gz", gzip(Arrays.copyOf(full, full.length + 3))), lab);
    assertTrue(e.getMessage().contains("unexpected data"), e.getMessage());
    // A gzip stream cut short: the decompressor's error is reported with the file.
    byte[] gz = gzip(full);
    e = fails(write("cutgz.gz", Arrays.copyOf(gz, gz.length / 2)), lab);
    assertTrue(e.getMessage().startsWith(dir.resolve("cutgz.gz").toString()), e.getMessage());
  }

  /** A subset read from the files holds the samples a subset of the whole data set holds, in its order. */
  @Test
  void aRandomSubsetIsReadAloneAndMatchesTheSubsetOfTheWhole() throws IOException {
    int n = 40;
    byte[] px = pixels(n, 3, 2);
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      labels[i] = (byte) (i * 7 % 10);
    }
    for (boolean gz : new boolean[] {false, true}) {
      Path folder = Files.createDirectories(dir.resolve(gz ? "gz" : "plain"));
      String ext = gz ? ".gz" : "";
      Files.write(folder.resolve("train-images-idx3-ubyte" + ext), gz ? gzip(idx(3, new int[] {n, 3, 2}, px))
          : idx(3, new int[] {n, 3, 2}, px));
      Files.write(folder.resolve("train-labels-idx1-ubyte" + ext), gz ? gzip(idx(1, new int[] {n}, labels))
          : idx(1, new int[] {n}, labels));
      IdxDataset whole = IdxDataset.openFolder(folder, true);
      ClassificationDataset expected = Datasets.randomSplit(whole, 7.0 / n, 5).validation();
      IdxDataset subset = IdxDataset.openFolder(folder, true, 7, 5);
      assertEquals(7, subset.size());
      for (int i = 0; i < 7; i++) {
        assertEquals(expected.get(i).label(), subset.get(i).label());
        assertArrayEquals(expected.get(i).image().data(), subset.get(i).image().data());
      }
      assertEquals(n, IdxDataset.openFolder(folder, true, 0, 5).size());
      assertEquals(n, IdxDataset.openFolder(folder, true, n + 3, 5).size());
    }
  }

  @Test
  void lyingHeaderDoesNotAllocate() throws IOException {
    Path lab = write("lab", idx(1, new int[] {2}, new byte[] {1, 2}));
    // Claims 805 MB of pixels but holds 8 bytes: rejected before any allocation, plain or gzipped.
    byte[] liar = idx(3, new int[] {0x30000000, 1, 1}, new byte[8]);
    DatasetException e = fails(write("liar", liar), lab);
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    e = fails(write("liar.gz", gzip(liar)), lab);
    assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("ends after 8"), e.getMessage());
    // Past the 1 GiB limit (a 2 MB gzip of zeros can expand to 2 GB): refused from the header, before inflating.
    byte[] huge = idx(3, new int[] {0x70000000, 1, 1}, new byte[8]);
    for (Path p : List.of(write("huge", huge), write("huge.gz", gzip(huge)))) {
      e = fails(p, lab);
      assertTrue(e.getMessage().startsWith(p.toString()) && e.getMessage().contains("more than 1073741824 bytes"),
          e.getMessage());
    }
    e = fails(write("negative", idx(3, new int[] {-1, 2, 2}, new byte[0])), lab);
    assertTrue(e.getMessage().contains("invalid dimension -1 at offset 4"), e.getMessage());
  }

  @Test
  void countMismatchAndLabelOutOfRange() throws IOException {
    Path img = write("img", idx(3, new int[] {3, 2, 2}, pixels(3, 2, 2)));
    Path two = write("two", idx(1, new int[] {2}, new byte[] {1, 2}));
    DatasetException e = fails(img, two);
    assertTrue(e.getMessage().contains("2 labels, but " + img + " holds 3 images"), e.getMessage());
    Path bad = write("bad", idx(1, new int[] {3}, new byte[] {1, 10, 2}));
    e = fails(img, bad);
    assertTrue(e.getMessage().startsWith(bad.toString())
        && e.getMessage().contains("label 10 of sample 1 (offset 9) is out of range for 10 classes"), e.getMessage());
    e = fails(dir.resolve("absent"), two);
    assertTrue(e.getMessage().contains("absent: no such file"), e.getMessage());
  }

  @Test
  void realFashionMnistWhenInstalled() {
    Path real = Path.of("/usr/share/datasets/fashion-mnist");
    assumeTrue(Files.isRegularFile(real.resolve("t10k-images-idx3-ubyte.gz")), "Fashion-MNIST is not installed");
    IdxDataset test = IdxDataset.openFolder(real, false);
    assertEquals(10000, test.size());
    assertEquals(28, test.height());
    assertEquals(IdxDataset.FASHION_MNIST_CLASSES, test.classes());
    int[] counts = new int[10];
    for (int i = 0; i < test.size(); i++) {
      counts[test.get(i).label()]++;
    }
    for (int c : counts) {
      assertEquals(1000, c); // the test split is balanced
    }
    // The first test image is an ankle boot (label 9), as in every Fashion-MNIST loader.
    assertEquals(9, test.get(0).label());
  }
}
