package io.nets4j.train;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.Image;
import io.nets4j.data.ImageFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data that opens but cannot train a classifier is refused when it is opened, with what is wrong. */
class DataSpecChecksTest {
  @TempDir
  Path dir;

  private static final DataSpec.Options OPTIONS = new DataSpec.Options(0, 0, 0, 0.5, 0);

  private static byte[] idx(int[] shape) {
    int n = 1;
    for (int s : shape) {
      n *= s;
    }
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * shape.length + n);
    b.putInt(0x0800 | shape.length);
    for (int s : shape) {
      b.putInt(s);
    }
    return b.array();
  }

  @Test
  void idxTrainingAndTestImagesOfDifferentSizesAreRefused() throws IOException {
    Files.write(dir.resolve("train-images-idx3-ubyte"), idx(new int[] {2, 28, 28}));
    Files.write(dir.resolve("train-labels-idx1-ubyte"), idx(new int[] {2}));
    Files.write(dir.resolve("t10k-images-idx3-ubyte"), idx(new int[] {2, 32, 32}));
    Files.write(dir.resolve("t10k-labels-idx1-ubyte"), idx(new int[] {2}));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DataSpec.parse("idx:" + dir).open(OPTIONS));
    assertTrue(e.getMessage().contains("the training images are 28x28, the test images 32x32"), e.getMessage());
  }

  @Test
  void aDataSetOfOneClassIsRefused() throws IOException {
    ImageFiles.writePng(new Image(new float[3 * 4 * 4], 3, 4, 4), dir.resolve("a.png"));
    Path list = Files.writeString(dir.resolve("one.csv"), "a.png,cat\na.png,cat\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DataSpec.parse("list:" + list).open(OPTIONS));
    assertTrue(e.getMessage().contains("the data has 1 class [cat]; a classifier needs at least 2"), e.getMessage());
  }

  @Test
  void optionsOutOfRangeNameTheirField() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new DataSpec.Options(64000, 0, 0, 0.1, 0));
    assertTrue(e.getMessage().contains("image size must be in [0, 4096], got 64000"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.adamw(Double.POSITIVE_INFINITY));
    assertTrue(e.getMessage().contains("ADAMW learning rate must be a finite number > 0, got Infinity"), e.getMessage());
  }
}
