package io.nets4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bounds and damaged files of {@link ImageDecoder}, and torchvision's size and crop rules. */
class ImageDecoderTest {
  static final Path DIR = Path.of("src", "test", "resources", "preprocess");

  @TempDir
  Path tmp;

  /** rgb8.png with the IHDR fields changed by {@code edit} and its checksum fixed. */
  private Path withHeader(String name, java.util.function.Consumer<ByteBuffer> edit) throws IOException {
    byte[] b = Files.readAllBytes(DIR.resolve("rgb8.png"));
    ByteBuffer buf = ByteBuffer.wrap(b);
    edit.accept(buf);
    CRC32 crc = new CRC32();
    crc.update(b, 12, 17);
    buf.putInt(29, (int) crc.getValue());
    return Files.write(tmp.resolve(name), b);
  }

  private String error(Path file) {
    DatasetException e = assertThrows(DatasetException.class, () -> ImageDecoder.read(file));
    assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    return e.getMessage();
  }

  @Test
  void hugeDeclaredPngIsRefusedBeforeDecoding() throws IOException {
    // 60000 x 60000 declared over 8 KB of data: refused from the header, nothing is allocated
    Path huge = withHeader("huge.png", b -> b.putInt(16, 60_000).putInt(20, 60_000));
    String m = error(huge);
    assertTrue(m.contains("60000x60000") && m.contains("limit of " + ImageFiles.MAX_PIXELS), m);
    Path wide = withHeader("wide.png", b -> b.putInt(16, Integer.MIN_VALUE));
    assertTrue(error(wide).contains("is invalid"), error(wide));
  }

  @Test
  void aCallerLimitIsCheckedFromTheHeader() throws IOException {
    Path big = withHeader("big.png", b -> b.putInt(16, 4096).putInt(20, 4096));
    DatasetException e = assertThrows(DatasetException.class, () -> ImageFiles.readRgb(big, 1L << 21));
    assertTrue(e.getMessage().contains("4096x4096") && e.getMessage().contains("limit of 2097152"), e.getMessage());
  }

  @Test
  void aPngThatCannotBeWrittenFailsWithItsNameAndPrintsNothing() {
    java.io.PrintStream err = System.err;
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    Path file = tmp.resolve("missing-folder").resolve("x.png");
    try {
      System.setErr(new java.io.PrintStream(printed, true));
      DatasetException e = assertThrows(DatasetException.class,
          () -> ImageFiles.writePng(new Image(new float[3], 3, 1, 1), file));
      assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains("cannot write"), e.getMessage());
    } finally {
      System.setErr(err);
    }
    assertEquals("", printed.toString());
  }

  @Test
  void damagedPngsNameTheProblem() throws IOException {
    byte[] good = Files.readAllBytes(DIR.resolve("rgb8.png"));
    assertTrue(error(Files.write(tmp.resolve("cut.png"), Arrays.copyOf(good, good.length - 200)))
        .contains("truncated"));
    byte[] badCrc = good.clone();
    badCrc[30] ^= 1;
    assertTrue(error(Files.write(tmp.resolve("crc.png"), badCrc)).contains("bad checksum in the IHDR chunk"));
    Path depth = withHeader("depth.png", b -> b.put(24, (byte) 3));
    assertTrue(error(depth).contains("colour type 2 with bit depth 3"), error(depth));
    byte[] noise = good.clone();
    for (int i = 60; i < noise.length - 20; i++) {
      noise[i] = (byte) (i * 31);
    }
    String m = error(Files.write(tmp.resolve("noise.png"), noise));
    assertTrue(m.contains("corrupt") || m.contains("checksum"), m);
    assertTrue(error(Files.writeString(tmp.resolve("text.jpg"), "hello")).contains("not an image"));
    assertTrue(error(tmp.resolve("absent.png")).contains("no such image file"));
  }

  @Test
  void bytesInMemoryDecodeAsTheirFileDoes() throws IOException {
    for (String name : new String[] {"rgb8.png", "grey16.png", "exif6.jpg"}) {
      Path file = DIR.resolve(name);
      for (ImageDecoder.Orientation o : ImageDecoder.Orientation.values()) {
        RgbImage fromFile = ImageDecoder.read(file, o);
        RgbImage fromBytes = ImageDecoder.decode(Files.readAllBytes(file), "upload", o);
        assertEquals(fromFile.width(), fromBytes.width(), name);
        assertArrayEquals(fromFile.pixels(), fromBytes.pixels(), name + " " + o);
      }
    }
    byte[] huge = Files.readAllBytes(withHeader("huge.png", b -> b.putInt(16, 60_000).putInt(20, 60_000)));
    DatasetException e = assertThrows(DatasetException.class,
        () -> ImageDecoder.decode(huge, "upload", ImageDecoder.Orientation.AS_STORED));
    assertTrue(e.getMessage().startsWith("upload: ") && e.getMessage().contains("limit of " + ImageFiles.MAX_PIXELS),
        e.getMessage());
    e = assertThrows(DatasetException.class,
        () -> ImageDecoder.decode("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII), "upload",
            ImageDecoder.Orientation.AS_STORED));
    assertTrue(e.getMessage().contains("not an image"), e.getMessage());
  }

  @Test
  void readRgbIsTheDecoderOverTwoHundredFiftyFive() {
    Path file = DIR.resolve("grey16.png");
    RgbImage rgb = ImageDecoder.read(file);
    Image img = ImageFiles.readRgb(file);
    assertEquals(rgb.get(5, 3, 1) / 255f, img.get(1, 3, 5));
  }

  @Test
  void torchvisionResizeRule() {
    // shorter side to the size, longer int(size * long / short), truncated
    assertArrayEquals(new int[] {29, 23}, ImageClassificationTransforms.resizedSize(61, 47, 23));
    assertArrayEquals(new int[] {256, 341}, ImageClassificationTransforms.resizedSize(480, 640, 256));
    assertArrayEquals(new int[] {232, 232}, ImageClassificationTransforms.resizedSize(512, 512, 232));
    assertArrayEquals(new int[] {299, 256}, ImageClassificationTransforms.resizedSize(351, 300, 256));
  }

  @Test
  void centerCropRoundsHalfToEven() {
    byte[] px = new byte[3 * 7 * 6];
    for (int i = 0; i < px.length; i += 3) {
      px[i] = (byte) (i / 3); // red = x + 7 y
    }
    RgbImage img = new RgbImage(7, 6, px);
    // width margin 1: round(0.5) = 0; height margin 3: round(1.5) = 2
    RgbImage c = img.centerCrop(3, 6);
    assertEquals(0 + 7 * 2, c.get(0, 0, 0));
    // width margin 5: round(2.5) = 2; height margin 5: round(2.5) = 2
    assertEquals(2 + 7 * 2, img.centerCrop(1, 2).get(0, 0, 0));
    // larger than the image: black border, (8 - 7) // 2 = 0 columns before, 1 after
    RgbImage padded = img.centerCrop(6, 8);
    assertEquals(6, padded.get(6, 0, 0));
    assertEquals(0, padded.get(7, 0, 0));
  }
}
