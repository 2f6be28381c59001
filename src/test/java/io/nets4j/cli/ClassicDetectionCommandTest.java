package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.detection.rcnn.FastRCNN;
import io.nets4j.detection.rcnn.RegionDetector;
import io.nets4j.io.LoadMode;
import io.nets4j.io.StateDicts;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nets4j detect-classic}: a tiny run trains, saves loadable weights and prints the table row. */
class ClassicDetectionCommandTest {
  @TempDir
  Path dir;

  private static String[] run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int code = Main.run(args);
      return new String[] {Integer.toString(code), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  @Test
  void tinyFastRcnnRunReportsAndSavesWeights() {
    Path weights = dir.resolve("fast.safetensors");
    String[] r = run("detect-classic", "--model", "fast_rcnn", "--train-images", "2", "--test-images", "1", "--size", "32",
        "--steps", "2", "--out", weights.toString());
    assertEquals("0", r[0], r[2]);
    assertTrue(r[1].contains("mAP@.5"), r[1]);
    assertTrue(r[1].contains("| fast_rcnn | 2 | 2 |"), r[1]);
    FastRCNN loaded = new FastRCNN(RegionDetector.Config.shapes(), FastRCNN.Pooling.ROI_MAX);
    StateDicts.load(loaded, weights, LoadMode.STRICT);
  }

  @Test
  void unknownModelIsAnError() {
    String[] r = run("detect-classic", "--model", "yolo", "--train-images", "1", "--test-images", "1");
    assertNotEquals("0", r[0]);
    assertTrue(r[2].contains("rcnn, fast_rcnn or sppnet"), r[2]);
  }
}
