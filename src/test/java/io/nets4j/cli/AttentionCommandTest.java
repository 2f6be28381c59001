package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.Image;
import io.nets4j.data.ImageFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttentionCommandTest {
  @TempDir
  Path tmp;

  @Test
  void convitRolloutOnTheGeneratedImage() {
    CliTest.Run r = CliTest.run("attention", "convit_tiny", "--out", tmp.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("random weights"), r.out());
    assertTrue(r.out().contains("rollout over 12 attention layers"), r.out());
    Image img = ImageFiles.readRgb(tmp.resolve("convit_tiny_rollout.png"));
    assertEquals(224, img.height());
    assertEquals(224, img.width());
    assertTrue(Files.isRegularFile(tmp.resolve("convit_tiny_input.png")));
  }

  @Test
  void swinWindowOfAGivenImageAndQuery() {
    Path input = tmp.resolve("in.png");
    float[] data = new float[3 * 100 * 150];
    for (int i = 0; i < data.length; i++) {
      data[i] = (i % 150) / 150f;
    }
    ImageFiles.writePng(new Image(data, 3, 100, 150), input);
    CliTest.Run r = CliTest.run("attention", "swin_t", "--image", input.toString(), "--out", tmp.toString(),
        "--window", "3", "--query", "2,5");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("features.5.0.attn: stage 2, window 3 of 4, 7x7 tokens of 16 pixels"), r.out());
    Image img = ImageFiles.readRgb(tmp.resolve("swin_t_features_5_0_attn_window3.png"));
    assertEquals(224, img.width());
  }

  @Test
  void clearErrors() {
    CliTest.Run cnn = CliTest.run("attention", "resnet18", "--out", tmp.toString());
    assertEquals(1, cnn.exit());
    assertTrue(cnn.err().contains("has neither a class token nor Swin windows"), cnn.err());
    CliTest.Run method = CliTest.run("attention", "vit_b_32", "--method", "grad", "--out", tmp.toString());
    assertEquals(1, method.exit());
    assertTrue(method.err().contains("unknown method 'grad'"), method.err());
  }
}
