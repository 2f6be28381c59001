package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.Image;
import io.nets4j.data.ImageFiles;
import io.nets4j.io.StateDicts;
import io.nets4j.segmentation.SegmentationModels;
import io.nets4j.segmentation.SegmentationOptions;
import io.nets4j.segmentation.SegmentationRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nets4j segment}: training on shapes, saved weights, overlay PNG, errors. */
class SegmentCommandTest {
  @TempDir
  Path dir;

  /** A PNG declaring {@code w x h} pixels (a valid IHDR over a small image's data). */
  static Path pngDeclaring(Path file, int w, int h) throws java.io.IOException {
    byte[] b = Files.readAllBytes(Path.of("src", "test", "resources", "preprocess", "rgb8.png"));
    java.nio.ByteBuffer.wrap(b).putInt(16, w).putInt(20, h);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(b, 12, 17);
    java.nio.ByteBuffer.wrap(b).putInt(29, (int) crc.getValue());
    return Files.write(file, b);
  }

  @Test
  void anInputTooLargeForADenseModelIsRefusedFromItsHeaderBeforeAnyWork() throws Exception {
    Path big = pngDeclaring(dir.resolve("big.png"), 4096, 4096);
    CliTest.Run r = CliTest.run("segment", "--input", big.toString(), "--out", dir.resolve("o.png").toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("big.png") && r.err().contains("4096x4096")
        && r.err().contains("limit of 2097152 pixels") && r.err().contains("downscale it (to about 1448x1448)"),
        r.err());
    assertFalse(r.out().contains("training"), r.out());
  }

  @Test
  void anOutputThatCannotBeWrittenIsRefusedBeforeTheWorkWithoutAStackTrace() throws Exception {
    Path notAFolder = Files.writeString(dir.resolve("file.txt"), "x");
    CliTest.Run r = CliTest.run("segment", "--out", notAFolder.resolve("o.png").toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("--out") && r.err().contains("is not a folder"), r.err());
    assertFalse(r.err().contains("\tat "), r.err());
    assertFalse(r.out().contains("training"), r.out());
    r = CliTest.run("segment", "--scale", "-2", "--out", dir.resolve("o.png").toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("--scale must be positive, got -2"), r.err());
  }

  @Test
  void segmentTrainValidatesItsOptionsBeforeCreatingTheRun() {
    String[][] refused = {{"--name", "../../x", "--name must be a plain folder name"},
        {"--model", "resnet18", "'resnet18' is a classifier, not a segmentation model"},
        {"--stop-at", "NaN", "--stop-at must be in [0, 1], got NaN"},
        {"--steps", "0", "--steps must be positive, got 0"}};
    for (String[] bad : refused) {
      CliTest.Run r = CliTest.run("segment", "train", bad[0], bad[1], "--out", dir.resolve("runs").toString());
      assertEquals(1, r.exit(), String.join(" ", bad));
      assertTrue(r.err().contains(bad[2]), r.err());
    }
    assertFalse(Files.exists(dir.resolve("runs")));
  }

  @Test
  void trainsOnShapesAndWritesTheOverlay() {
    Path png = dir.resolve("scene.png");
    CliTest.Run r = CliTest.run("segment", "--steps", "2", "--size", "24", "--out", png.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("loss") && r.out().contains("pixels per class"), r.out());
    Image written = ImageFiles.readRgb(png);
    assertEquals(24, written.width());
    assertEquals(24, written.height());
  }

  /**
   * {@code segment train} writes a run directory (settings, best weights, validation log, test
   * metrics); {@code segment --weights RUN} rebuilds its model, and {@code --examples} writes
   * image | ground truth | prediction panels of its held-out scenes.
   */
  @Test
  void trainsARunAndUsesIt() throws Exception {
    CliTest.Run r = CliTest.run("segment", "train", "--size", "16", "--width", "0.0625", "--batch-norm",
        "--learnable-upsampling", "--mosaic", "2", "--steps", "2", "--eval-every", "1", "--val-size", "2", "--test-size", "3",
        "--out", dir.toString(), "--name", "run");
    assertEquals(0, r.exit(), r.err());
    Path runDir = dir.resolve("run");
    for (String file : List.of(SegmentationRun.FILE, SegmentationRun.WEIGHTS, SegmentationRun.LOG,
        SegmentationRun.EVALUATION)) {
      assertTrue(Files.isRegularFile(runDir.resolve(file)), file);
    }
    assertEquals(2, Files.readAllLines(runDir.resolve(SegmentationRun.LOG)).size());
    assertTrue(r.out().contains("held-out test (3 scenes): pixel accuracy") && r.out().contains("IoU ellipse"), r.out());
    SegmentationRun info = SegmentationRun.read(runDir);
    assertEquals("fcn8s", info.model());
    assertEquals(0.0625, info.options().width());
    assertEquals(2, info.settings().mosaic());
    assertTrue(info.options().batchNorm() && info.options().learnableUpsampling(), info.options().toString());

    CliTest.Run eval = CliTest.run("segment", "--weights", runDir.toString(), "--evaluate");
    assertEquals(0, eval.exit(), eval.err());
    assertTrue(eval.out().contains("held-out test (3 scenes): pixel accuracy"), eval.out());

    Path png = dir.resolve("scene.png");
    CliTest.Run seg = CliTest.run("segment", "--weights", runDir.toString(), "--out", png.toString());
    assertEquals(0, seg.exit(), seg.err());
    assertEquals(16, ImageFiles.readRgb(png).width());

    Path figures = dir.resolve("figures");
    CliTest.Run ex = CliTest.run("segment", "--weights", runDir.toString(), "--examples", "2", "--scale", "3", "--out",
        figures.toString());
    assertEquals(0, ex.exit(), ex.err());
    Image panels = ImageFiles.readRgb(figures.resolve("example-2.png"));
    assertEquals(3 * (3 * 16 + 2 * 2), panels.width());
    assertEquals(3 * 16, panels.height());

    CliTest.Run again = CliTest.run("segment", "train", "--size", "16", "--out", dir.toString(), "--name", "run");
    assertEquals(1, again.exit());
    assertTrue(again.err().contains("exists"), again.err());

    // A second cycle starts from the run's kept weights, and records them; weights of another width do not fit.
    CliTest.Run cycle = CliTest.run("segment", "train", "--size", "16", "--width", "0.0625", "--batch-norm",
        "--learnable-upsampling", "--mosaic", "2", "--steps", "1", "--eval-every", "1", "--val-size", "2", "--test-size", "2",
        "--init", runDir.toString(), "--out", dir.toString(), "--name", "cycle");
    assertEquals(0, cycle.exit(), cycle.err());
    assertEquals(runDir.resolve(SegmentationRun.WEIGHTS).toAbsolutePath().toString(),
        SegmentationRun.read(dir.resolve("cycle")).settings().init());
    CliTest.Run wider = CliTest.run("segment", "train", "--size", "16", "--width", "0.125", "--batch-norm", "--steps", "1",
        "--init", runDir.toString(), "--out", dir.toString(), "--name", "wider");
    assertEquals(1, wider.exit());
    assertTrue(wider.err().contains("conv1_1.weight"), wider.err());
    assertFalse(Files.exists(dir.resolve("wider").resolve(SegmentationRun.FILE)), "no run file for a run that did not start");
  }

  @Test
  void examplesNeedARunDirectory() {
    CliTest.Run r = CliTest.run("segment", "--examples", "2", "--out", dir.toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("--examples needs a `segment train` run directory"), r.err());
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
    CliTest.Run r = CliTest.run("segment", "--model", "fcn32s", "--classes", "3", "--weights", weights.toString(),
        "--input", input.toString(), "--out", png.toString());
    assertEquals(0, r.exit(), r.err());
    Image written = ImageFiles.readRgb(png);
    assertEquals(30, written.width());
    assertEquals(20, written.height());
  }

  @Test
  void missingInputIsReported() {
    Path missing = dir.resolve("nope.jpg");
    CliTest.Run r = CliTest.run("segment", "--weights", dir.resolve("w.safetensors").toString(), "--input", missing.toString(),
        "--out", dir.resolve("o.png").toString());
    assertEquals(1, r.exit());
    // the input is read before the (missing) weights: the cheap checks come first
    assertTrue(r.err().contains("nope.jpg: no such image file"), r.err());
  }
}
