package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.ImageClassificationTransforms;
import io.nets4j.data.ImageDecoder;
import io.nets4j.data.Interpolation;
import io.nets4j.io.SafeTensors;
import io.nets4j.io.SafeTensorsFile;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreprocessCommandTest {
  static final Path IMAGE = Path.of("src", "test", "resources", "preprocess", "rgb8.png");

  @TempDir
  Path tmp;

  @Test
  void writesTheInputTensor() {
    Path out = tmp.resolve("in.safetensors");
    CliTest.Run r = CliTest.run("preprocess", "--resize", "40", "--crop", "32", "--interpolation", "bicubic",
        "--mean", "0.5,0.5,0.5", "--std", "0.25,0.5,1", "--out", out.toString(), IMAGE.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("input [1, 3, 32, 32]"), r.out());
    SafeTensorsFile file = SafeTensors.read(out);
    assertEquals(1, file.entries().size());
    assertArrayEquals(new long[] {1, 3, 32, 32}, file.entry("input").shape());
    assertEquals("ignored", file.metadata().get("exif_orientation"));
    float[] want = new ImageClassificationTransforms(40, 32, Interpolation.BICUBIC, new double[] {0.5, 0.5, 0.5},
        new double[] {0.25, 0.5, 1}).apply(ImageDecoder.read(IMAGE));
    try (Scope s = Scope.open()) {
      assertArrayEquals(want, Tensors.toFloatArray(file.tensor("input")));
    }
  }

  @Test
  void badInputGivesAClearErrorAndNoFile() throws IOException {
    Path out = tmp.resolve("x.safetensors");
    Path notImage = Files.writeString(tmp.resolve("notes.png"), "not an image");
    CliTest.Run r = CliTest.run("preprocess", "--resize", "40", "--crop", "32", "--out", out.toString(),
        notImage.toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("nets4j preprocess: " + notImage), r.err());
    byte[] png = Files.readAllBytes(IMAGE);
    Path cut = Files.write(tmp.resolve("cut.png"), Arrays.copyOf(png, png.length / 2));
    r = CliTest.run("preprocess", "--resize", "40", "--crop", "32", "--out", out.toString(), cut.toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains(cut.toString()) && r.err().contains("truncated"), r.err());
    r = CliTest.run("preprocess", "--resize", "40", "--crop", "48", "--out", out.toString(), IMAGE.toString());
    assertTrue(r.err().contains("crop 48 is larger than the resized shorter side 40"), r.err());
    r = CliTest.run("preprocess", "--resize", "40", "--crop", "32", "--interpolation", "lanczos", "--out",
        out.toString(), IMAGE.toString());
    assertTrue(r.err().contains("unknown interpolation 'lanczos'"), r.err());
    r = CliTest.run("preprocess", "--resize", "40", "--crop", "32", "--mean", "0.5,0.5", "--out", out.toString(),
        IMAGE.toString());
    assertTrue(r.err().contains("--mean and --std take 3 values"), r.err());
    r = CliTest.run("preprocess", "--crop", "32", "--out", out.toString(), IMAGE.toString());
    assertTrue(r.err().contains("--resize and --crop are required"), r.err());
    r = CliTest.run("preprocess", "--resize", "40", "--crop", "32", "--out", out.toString(),
        tmp.resolve("absent.png").toString());
    assertTrue(r.err().contains("no such image file"), r.err());
    assertFalse(Files.exists(out));
    try (var files = Files.list(tmp)) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().contains("x.safetensors")), "no temporary left");
    }
  }

  @Test
  void benchTimesPreprocessingNextToTheModel() {
    CliTest.Run r = CliTest.run("bench", "shufflenet_v2_x0_5", "--size", "32", "--batch", "2", "--warmup", "0",
        "--iters", "10", "--preprocess", IMAGE.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("resize 37 (bilinear), crop 32") && r.out().contains("2 threads")
        && r.out().contains("shufflenet_v2_x0_5 forward"), r.out());
  }
}
