package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.CocoDetection;
import io.nets4j.data.Image;
import io.nets4j.data.ImageFiles;
import io.nets4j.data.ShapesDataset;
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
    byte[] trained = readBytes(runDir.resolve("model.safetensors"));
    CliTest.Run again = CliTest.run("detect", "train", "--model", "yolo_v1", "--size", "32", "--steps", "1",
        "--batch", "2", "--val-images", "3", "--out", runDir.toString());
    assertEquals(1, again.exit());
    assertTrue(again.err().contains("already holds a trained detector (model.safetensors)"), again.err());
    assertTrue(java.util.Arrays.equals(trained, readBytes(runDir.resolve("model.safetensors"))));
    for (String[] bad : new String[][] {{"--score", "NaN", "--score must be in [0, 1], got NaN"},
        {"--scale", "-2", "--scale must be 0 or more, got -2"}}) {
      CliTest.Run r = CliTest.run("detect", "--weights", runDir.toString(), bad[0], bad[1], "--out", dir.toString());
      assertEquals(1, r.exit());
      assertTrue(r.err().contains(bad[2]), r.err());
    }
    for (String[] meta : new String[][] {{"64000", "nets4j.image_size = 64000 must be in [16, 1448]"},
        {"abc", "nets4j.image_size = \"abc\" is not an integer"}}) {
      Path edited = dir.resolve("meta-" + meta[0] + ".safetensors");
      try (io.nets4j.tensor.Scope s = io.nets4j.tensor.Scope.open()) {
        io.nets4j.io.SafeTensorsFile f = io.nets4j.io.SafeTensors.read(runDir.resolve("model.safetensors"));
        java.util.Map<String, String> m = new java.util.HashMap<>(f.metadata());
        m.put("nets4j.image_size", meta[0]);
        io.nets4j.io.SafeTensors.write(edited, f.tensors(), m);
      }
      CliTest.Run r = CliTest.run("detect", "--weights", edited.toString(), "--out", dir.toString());
      assertEquals(1, r.exit());
      assertTrue(r.err().contains(edited + ": metadata " + meta[1]), r.err());
    }

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
  void regionDetectorsTrainOnSelectiveSearchProposalsAndDraw() {
    Path runDir = dir.resolve("fast");
    CliTest.Run t = CliTest.run("detect", "train", "--model", "fast_rcnn", "--train-images", "2", "--val-images", "1",
        "--size", "32", "--steps", "2", "--log-every", "1", "--out", runDir.toString());
    assertEquals(0, t.exit(), t.err());
    assertTrue(t.out().contains("2 SGD steps of 2 images x 64 regions") && t.out().contains("step 2/2"), t.out());
    assertTrue(t.out().contains("Per image: selective search") && t.out().contains("mAP@.5="), t.out());
    assertTrue(Files.isRegularFile(runDir.resolve("metrics.md")));
    CliTest.Run d = CliTest.run("detect", "--weights", runDir.toString(), "--model", "fast_rcnn", "--score", "0", "--scale",
        "2", "--out", dir.resolve("pngs").toString());
    assertEquals(0, d.exit(), d.err());
    assertEquals(64, ImageFiles.readRgb(dir.resolve("pngs").resolve("shapes-scene-1-detections.png")).width());

    CliTest.Run batch = CliTest.run("detect", "train", "--model", "rcnn", "--batch", "4", "--out", dir.toString());
    assertEquals(1, batch.exit());
    assertTrue(batch.err().contains("--batch does not apply to rcnn: each step samples 16 regions from each of 8 images"),
        batch.err());
  }

  @Test
  void trainsOnACocoFormatDataSet() {
    // 40 px scenes written as COCO files; training resizes them to 32 px squares.
    Path trainJson = CocoDetection.write(ShapesDataset.scenes(3, 40, 5).detection(), ShapesDataset.SHAPES, dir.resolve("train"));
    Path valJson = CocoDetection.write(ShapesDataset.scenes(2, 40, 6).detection(), ShapesDataset.SHAPES, dir.resolve("val"));
    Path runDir = dir.resolve("coco-run");
    CliTest.Run t = CliTest.run("detect", "train", "--model", "yolo_v1", "--coco", trainJson.toString(), "--val-coco",
        valJson.toString(), "--size", "32", "--steps", "2", "--batch", "2", "--log-every", "1", "--out", runDir.toString());
    assertEquals(0, t.exit(), t.err());
    assertTrue(t.out().contains("on 3 images of " + trainJson) && t.out().contains("evaluation on 2 held-out images"),
        t.out());
    CliTest.Run alone = CliTest.run("detect", "train", "--coco", trainJson.toString(), "--out", runDir.toString());
    assertEquals(1, alone.exit());
    assertTrue(alone.err().startsWith("nets4j detect train: --coco and --val-coco go together"), alone.err());
  }

  private static byte[] readBytes(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void explainsMissingWeightsAndWrongModel() {
    CliTest.Run r = CliTest.run("detect");
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("--weights is required"), r.err());
    CliTest.Run unknown = CliTest.run("detect", "train", "--model", "yolo_v9", "--out", dir.toString());
    assertEquals(1, unknown.exit());
    assertTrue(unknown.err().contains("unknown model 'yolo_v9'; did you mean yolo_v1 (detection)"), unknown.err());
    CliTest.Run classifier = CliTest.run("detect", "train", "--model", "resnet18", "--out", dir.toString());
    assertEquals(1, classifier.exit());
    assertTrue(classifier.err().contains("'resnet18' is a classifier, not a detector; train it with `nets4j train"),
        classifier.err());
  }
}
