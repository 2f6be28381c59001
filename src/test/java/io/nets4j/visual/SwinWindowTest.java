package io.nets4j.visual;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.Image;
import io.nets4j.data.ShapesDataset;
import io.nets4j.models.ModelOptions;
import io.nets4j.models.SwinTransformer;
import io.nets4j.tensor.Tensors;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class SwinWindowTest {
  /** 4x4 windows; at 56 pixels stage 1 has a 7x7 map padded to 8x8, i.e. 2x2 windows. */
  private static final SwinTransformer.Config SMALL =
      new SwinTransformer.Config(8, new int[] {2, 2, 2, 2}, new int[] {1, 2, 2, 2}, 4, 0.0);

  @Test
  void geometryOfTheStages() {
    assertEquals(14, SwinWindow.mapSide(56, 0));
    assertEquals(7, SwinWindow.mapSide(56, 1));
    assertEquals(4, SwinWindow.mapSide(56, 2));
    assertEquals(8, SwinWindow.paddedSide(56, 1, 4));
    assertEquals(4, SwinWindow.windows(56, 1, 4));
    assertEquals(64, SwinWindow.windows(224, 0, 7));
    assertEquals(4, SwinWindow.windows(224, 2, 7));
  }

  @Test
  void unshiftedWindowTokens() {
    SwinWindow w = SwinWindow.of("features.3.0.attn", 56, 4, 1); // window (0, 1)
    assertEquals(1, w.stage());
    assertEquals(8, w.stride());
    assertEquals(0, w.shift());
    assertArrayEquals(new int[] {0, 4}, w.mapPosition(0));
    assertArrayEquals(new int[] {0, 6}, w.mapPosition(2));
    assertNull(w.mapPosition(3)); // column 7 is padding
    assertArrayEquals(new int[] {8, 48, 16, 56}, w.pixels(6)); // row 1, column 6
  }

  @Test
  void shiftedWindowTokensWrapAround() {
    SwinWindow w = SwinWindow.of("features.3.1.attn", 56, 4, 3); // window (1, 1), rolled by -2
    assertEquals(2, w.shift());
    assertArrayEquals(new int[] {6, 6}, w.mapPosition(0)); // (4 + 0 + 2) mod 8
    assertNull(w.mapPosition(5)); // (7, 7) is padding
    assertArrayEquals(new int[] {0, 0}, w.mapPosition(10)); // (4 + 2 + 2) mod 8
    assertArrayEquals(new int[] {0, 1}, w.mapPosition(11));
    assertArrayEquals(new int[] {48, 48, 56, 56}, w.pixels(0));
    assertArrayEquals(new int[] {0, 0, 8, 8}, w.pixels(10));
  }

  @Test
  void badWindowsAndPathsAreRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SwinWindow.of("features.3.0.attn", 56, 4, 4));
    assertTrue(e.getMessage().contains("2 x 2 windows"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SwinWindow.of("features.2.reduction", 56, 4, 0));
    assertThrows(IllegalArgumentException.class, () -> SwinWindow.of("features.3.0.attn", 56, 4, 0).pixels(16));
  }

  /** The index mapping agrees with the model's own shift mask: tokens from far apart never attend. */
  @Test
  void indicesAgreeWithTheModelsMask() {
    SwinTransformer model = new SwinTransformer(SMALL, ModelOptions.defaults());
    Image view = ShapesDataset.scenes(1, 56, 3).get(0).image();
    Map<String, Tensor> maps = AttentionImages.record(model, view);
    Tensor shifted = maps.get("features.3.1.attn");
    assertArrayEquals(new long[] {1, 4, 2, 16, 16}, Tensors.shape(shifted));
    SwinWindow w = SwinWindow.of("features.3.1.attn", 56, 4, 3);
    double[] fromToken10 = AttentionImages.windowAttention(shifted, w, 10);
    // token 10 sits at (0, 0) and token 11 at (0, 1): neighbours; token 0 at (6, 6): masked
    assertTrue(fromToken10[11] > 1e-3, "neighbours attend: " + fromToken10[11]);
    assertTrue(fromToken10[0] < 1e-20, "wrapped-around tokens are masked: " + fromToken10[0]);
    double sum = 0;
    for (double v : fromToken10) {
      sum += v;
    }
    assertEquals(1.0, sum, 1e-5);
    // an unshifted window has no mask: every pair attends
    double[] mean = AttentionImages.windowAttention(maps.get("features.3.0.attn"),
        SwinWindow.of("features.3.0.attn", 56, 4, 0), -1);
    for (double v : mean) {
      assertTrue(v > 1e-3, "unmasked attention " + v);
    }
    Image img = AttentionImages.swinWindowImage(view, maps, "features.3.1.attn", 3, 10);
    assertEquals(56, img.height());
    assertEquals(56, img.width());
  }
}
