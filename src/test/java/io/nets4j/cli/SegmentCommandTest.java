package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.Image;
import io.nets4j.data.ImageFiles;
import io.nets4j.io.StateDicts;
import io.nets4j.segmentation.SegmentationModels;
import io.nets4j.segmentation.SegmentationOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nets4j segment}: training on shapes, saved weights, overlay PNG, errors. */
class SegmentCommandTest {
  @TempDir
  Path dir;

  private record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int code = Main.run(args);
      return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  @Test
  void trainsOnShapesAndWritesTheOverlay() {
    Path png = dir.resolve("scene.png");
    Result r = run("segment", "--train-steps", "2", "--size", "24", "--output", png.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("loss") && r.out().contains("pixels per class"), r.out());
    Image written = ImageFiles.readRgb(png);
    assertEquals(24, written.width());
    assertEquals(24, written.height());
  }

  /** With saved weights and an input image, the overlay has the input's size. */
  @Test
  void segmentsAGivenImageWithSavedWeights() {
    Path weights = dir.resolve("fcn32s.safetensors");
    StateDicts.save(SegmentationModels.create("fcn32s", SegmentationOptions.defaults().withNumClasses(3).withWidth(0.0625)),
        weights);
    Path input = dir.resolve("in.png");
    ImageFiles.writePng(new Image(new float[3 * 20 * 30], 3, 20, 30), input);
    Path png = dir.resolve("out.png");
    Result r = run("segment", "--model", "fcn32s", "--classes", "3", "--weights", weights.toString(),
        "--input", input.toString(), "--output", png.toString());
    assertEquals(0, r.code(), r.err());
    Image written = ImageFiles.readRgb(png);
    assertEquals(30, written.width());
    assertEquals(20, written.height());
  }

  @Test
  void missingInputIsReported() {
    Path missing = dir.resolve("nope.jpg");
    Result r = run("segment", "--weights", dir.resolve("w.safetensors").toString(), "--input", missing.toString(),
        "--output", dir.resolve("o.png").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("w.safetensors"), r.err());
  }

  /** Pascal VOC colours: class 1 is (128, 0, 0), class 15 (person) is (192, 128, 128). */
  @Test
  void vocPalette() {
    assertEquals(128 / 255f, SegmentCommand.colour(1, 0));
    assertEquals(0f, SegmentCommand.colour(1, 1));
    assertEquals(192 / 255f, SegmentCommand.colour(15, 0));
    assertEquals(128 / 255f, SegmentCommand.colour(15, 1));
    assertEquals(128 / 255f, SegmentCommand.colour(15, 2));
  }
}
