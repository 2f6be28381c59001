package io.nets4j.captioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.Box;
import io.nets4j.data.Image;
import io.nets4j.data.ShapesDataset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SceneCaptionsTest {
  @Test
  void captionsAreAFunctionOfTheSeedAndIndex() {
    ShapesDataset a = SceneCaptions.scenes(50, 32, 11);
    ShapesDataset b = SceneCaptions.scenes(50, 32, 11);
    Set<List<String>> distinct = new HashSet<>();
    for (int i = 49; i >= 0; i--) {
      List<String> c = SceneCaptions.caption(a.get(i));
      assertEquals(c, SceneCaptions.caption(b.get(i)), "scene " + i);
      assertEquals(c, SceneCaptions.decode(SceneCaptions.encode(c)));
      distinct.add(c);
    }
    assertTrue(distinct.size() > 30, "only " + distinct.size() + " distinct captions in 50 scenes");
  }

  @Test
  void colourRelationAndOrderFromAHandMadeScene() {
    // 8x8 image: a pure green object at the top left (label 1 = circle), a blue one at the bottom (label 2 = square)
    int s = 8;
    float[] px = new float[3 * s * s];
    int[] mask = new int[s * s];
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 2; x++) {
        px[1 * s * s + y * s + x] = 1;
        mask[y * s + x] = 1;
      }
    }
    for (int y = 6; y < 8; y++) {
      for (int x = 1; x < 3; x++) {
        px[2 * s * s + y * s + x] = 1;
        mask[y * s + x] = 2;
      }
    }
    for (int y = 0; y < 2; y++) {
      for (int x = 6; x < 8; x++) {
        px[y * s + x] = 0.9f;
        px[2 * s * s + y * s + x] = 0.5f;
        mask[y * s + x] = 3;
      }
    }
    // drawing order: the lower object first, so the caption must reorder
    ShapesDataset.Scene scene = new ShapesDataset.Scene(new Image(px, 3, s, s),
        List.of(new Box(1, 6, 3, 8), new Box(0, 0, 2, 2)), new int[] {2, 1}, mask);
    assertEquals(List.of("a", "green", "circle", "above", "a", "blue", "square"), SceneCaptions.caption(scene));
    ShapesDataset.Scene sideBySide = new ShapesDataset.Scene(new Image(px, 3, s, s),
        List.of(new Box(6, 0, 8, 2), new Box(0, 0, 2, 2)), new int[] {3, 1}, mask);
    assertEquals(List.of("a", "green", "circle", "left", "of", "a", "red", "triangle"),
        SceneCaptions.caption(sideBySide));
    assertThrows(IllegalArgumentException.class, () -> SceneCaptions.encode(List.of("a", "purple", "circle")));
  }
}
