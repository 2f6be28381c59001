package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.Image;
import io.nets4j.data.ImageFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nets4j detect train} writes a run; {@code nets4j detect} draws its detections. */
class DetectCommandTest {
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
  void trainsThenDrawsDetections() {
    Path runDir = dir.resolve("run");
    Result t = run("detect", "train", "--model", "yolo_v1", "--size", "32", "--steps", "2", "--batch", "2",
        "--val-images", "3", "--log-every", "1", "--out", runDir.toString());
    assertEquals(0, t.code(), t.err());
    assertTrue(Files.isRegularFile(runDir.resolve("model.safetensors")));
    assertTrue(Files.isRegularFile(runDir.resolve("train-log.csv")));
    assertTrue(t.out().contains("step 2/2") && t.out().contains("mAP@.5="), t.out());

    Path input = dir.resolve("in.png");
    ImageFiles.writePng(new Image(new float[3 * 40 * 50], 3, 40, 50), input);
    Path pngs = dir.resolve("pngs");
    Result d = run("detect", input.toString(), "--weights", runDir.toString(), "--model", "yolo_v1", "--score", "0",
        "--out", pngs.toString());
    assertEquals(0, d.code(), d.err());
    Image drawn = ImageFiles.readRgb(pngs.resolve("in-detections.png"));
    assertEquals(50 * 9, drawn.width()); // enlarged so that the long side reaches 448 px
    Result scene = run("detect", "--weights", runDir.resolve("model.safetensors").toString(), "--scale", "2",
        "--out", pngs.toString());
    assertEquals(0, scene.code(), scene.err());
    assertEquals(64, ImageFiles.readRgb(pngs.resolve("shapes-scene-1-detections.png")).width());
  }

  @Test
  void explainsMissingWeightsAndWrongModel() {
    Result r = run("detect");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("--weights is required"), r.err());
    Result unknown = run("detect", "train", "--model", "yolo_v9", "--out", dir.toString());
    assertEquals(1, unknown.code());
    assertTrue(unknown.err().contains("unknown detector 'yolo_v9'"), unknown.err());
  }
}
