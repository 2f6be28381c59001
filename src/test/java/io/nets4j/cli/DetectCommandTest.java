package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.Image;
import io.nets4j.data.ImageFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nets4j detect train} writes a run; {@code nets4j detect} draws its detections. */
class DetectCommandTest {
  @TempDir
  Path dir;

  @Test
  void trainsThenDrawsDetections() {
    Path runDir = dir.resolve("run");
    CliTest.Run t = CliTest.run("detect", "train", "--model", "yolo_v1", "--size", "32", "--steps", "2", "--batch", "2",
        "--val-images", "3", "--log-every", "1", "--out", runDir.toString());
    assertEquals(0, t.exit(), t.err());
    assertTrue(Files.isRegularFile(runDir.resolve("model.safetensors")));
    assertTrue(Files.isRegularFile(runDir.resolve("train-log.csv")));
    assertTrue(t.out().contains("step 2/2") && t.out().contains("mAP@.5="), t.out());

    Path input = dir.resolve("in.png");
    ImageFiles.writePng(new Image(new float[3 * 40 * 50], 3, 40, 50), input);
    Path pngs = dir.resolve("pngs");
    CliTest.Run d = CliTest.run("detect", input.toString(), "--weights", runDir.toString(), "--model", "yolo_v1", "--score", "0",
        "--out", pngs.toString());
    assertEquals(0, d.exit(), d.err());
    Image drawn = ImageFiles.readRgb(pngs.resolve("in-detections.png"));
    assertEquals(50 * 9, drawn.width()); // enlarged so that the long side reaches 448 px
    CliTest.Run scene = CliTest.run("detect", "--weights", runDir.resolve("model.safetensors").toString(), "--scale", "2",
        "--out", pngs.toString());
    assertEquals(0, scene.exit(), scene.err());
    assertEquals(64, ImageFiles.readRgb(pngs.resolve("shapes-scene-1-detections.png")).width());
  }

  @Test
  void explainsMissingWeightsAndWrongModel() {
    CliTest.Run r = CliTest.run("detect");
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("--weights is required"), r.err());
    CliTest.Run unknown = CliTest.run("detect", "train", "--model", "yolo_v9", "--out", dir.toString());
    assertEquals(1, unknown.exit());
    assertTrue(unknown.err().contains("unknown detector 'yolo_v9'"), unknown.err());
  }
}
