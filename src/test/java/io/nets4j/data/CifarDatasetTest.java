package io.nets4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarDatasetTest {
  @TempDir Path dir;

  /** Records whose pixel bytes encode (record, channel, y, x) so a mix-up shows. */
  private static byte[] records(int[][] labels, int seed) {
    int labelBytes = labels[0].length;
    int size = labelBytes + 3072;
    byte[] out = new byte[labels.length * size];
    for (int r = 0; r < labels.length; r++) {
      for (int b = 0; b < labelBytes; b++) {
        out[r * size + b] = (byte) labels[r][b];
      }
      for (int p = 0; p < 3072; p++) {
        out[r * size + labelBytes + p] = pixel(seed + r, p);
      }
    }
    return out;
  }

  private static byte pixel(int record, int p) {
    return (byte) (record * 31 + p * 7 + p / 1024 * 50);
  }

  private static void assertImage(LabeledImage s, int record) {
    Image img = s.image();
    assertEquals(3, img.channels());
    assertEquals(32, img.height());
    assertEquals(32, img.width());
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < 32; y += 5) {
        for (int x = 0; x < 32; x += 3) {
          assertEquals((pixel(record, c * 1024 + y * 32 + x) & 0xff) / 255f, img.get(c, y, x), 0f);
        }
      }
    }
  }

  @Test
  void cifar10RoundTrip() throws IOException {
    Files.write(dir.resolve("data_batch_1.bin"), records(new int[][] {{3}, {9}}, 0));
    Files.write(dir.resolve("data_batch_2.bin"), records(new int[][] {{0}, {1}, {2}}, 2));
    Files.write(dir.resolve("data_batch_10.bin"), records(new int[][] {{8}}, 5)); // numeric, not text, order
    Files.write(dir.resolve("test_batch.bin"), records(new int[][] {{4}}, 100));
    CifarDataset train = CifarDataset.cifar10(dir, true);
    assertEquals(6, train.size());
    int[] expected = {3, 9, 0, 1, 2, 8};
    for (int i = 0; i < 6; i++) {
      assertEquals(expected[i], train.get(i).label());
      assertImage(train.get(i), i);
    }
    assertEquals(CifarDataset.CIFAR10_CLASSES, train.classes());
    CifarDataset test = CifarDataset.cifar10(dir, false);
    assertEquals(1, test.size());
    assertImage(test.get(0), 100);
    assertThrows(IndexOutOfBoundsException.class, () -> test.get(1));

    List<String> names = IntStream.range(0, 10).mapToObj(i -> "c" + i).toList();
    Files.writeString(dir.resolve("batches.meta.txt"), String.join("\n", names) + "\n\n");
    assertEquals(names, CifarDataset.cifar10(dir, false).classes());
  }

  @Test
  void cifar100FineAndCoarse() throws IOException {
    Files.write(dir.resolve("train.bin"), records(new int[][] {{19, 99}, {0, 5}}, 0));
    CifarDataset fine = CifarDataset.cifar100(dir, true, false);
    CifarDataset coarse = CifarDataset.cifar100(dir, true, true);
    assertEquals(99, fine.get(0).label());
    assertEquals(19, coarse.get(0).label());
    assertEquals(5, fine.get(1).label());
    assertImage(fine.get(1), 1);
    assertEquals(100, fine.classes().size());
    assertEquals("99", fine.classes().get(99));
    List<String> coarseNames = IntStream.range(0, 20).mapToObj(i -> "super" + i).toList();
    Files.writeString(dir.resolve("coarse_label_names.txt"), coarseNames.stream().collect(Collectors.joining("\n")));
    assertEquals(coarseNames, CifarDataset.cifar100(dir, true, true).classes());
    Files.writeString(dir.resolve("fine_label_names.txt"), "apple\nbanana\n");
    DatasetException e = assertThrows(DatasetException.class, () -> CifarDataset.cifar100(dir, true, false));
    assertTrue(e.getMessage().contains("fine_label_names.txt: 2 class names, expected 100"), e.getMessage());
  }

  @Test
  void malformedFiles() throws IOException {
    byte[] two = records(new int[][] {{1}, {2}}, 0);
    Path cut = Files.write(dir.resolve("test_batch.bin"), Arrays.copyOf(two, two.length - 100));
    DatasetException e = assertThrows(DatasetException.class, () -> CifarDataset.cifar10(dir, false));
    assertTrue(e.getMessage().startsWith(cut.toString()) && e.getMessage().contains("record at offset 3073 has only 2973"),
        e.getMessage());

    byte[] bad = records(new int[][] {{1}, {12}}, 0);
    Files.write(cut, bad);
    e = assertThrows(DatasetException.class, () -> CifarDataset.cifar10(dir, false));
    assertTrue(e.getMessage().contains("record 1 (offset 3073) has label 12, out of range for 10 classes"),
        e.getMessage());

    Files.write(dir.resolve("test.bin"), records(new int[][] {{20, 3}}, 0));
    e = assertThrows(DatasetException.class, () -> CifarDataset.cifar100(dir, false, false));
    assertTrue(e.getMessage().contains("coarse label 20, out of range for 20 classes"), e.getMessage());

    Files.write(dir.resolve("test.bin"), new byte[0]);
    e = assertThrows(DatasetException.class, () -> CifarDataset.cifar100(dir, false, false));
    assertTrue(e.getMessage().contains("empty file"), e.getMessage());

    e = assertThrows(DatasetException.class, () -> CifarDataset.cifar10(dir, true));
    assertTrue(e.getMessage().contains("no CIFAR-10 training batches"), e.getMessage());
    e = assertThrows(DatasetException.class, () -> CifarDataset.cifar100(dir.resolve("nowhere"), true, false));
    assertTrue(e.getMessage().contains("train.bin: no such file"), e.getMessage());
  }
}
