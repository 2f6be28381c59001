package io.nets4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** COCO-format detection data: writing shapes scenes, reading them back, and the errors on bad files. */
class CocoDetectionTest {
  @TempDir
  Path dir;

  @Test
  void shapesScenesSurviveARoundTrip() {
    Dataset<DetectionSample> scenes = ShapesDataset.scenes(5, 32, 7).detection();
    Path json = CocoDetection.write(scenes, ShapesDataset.SHAPES, dir);
    CocoDetection coco = CocoDetection.open(dir.resolve("images"), json);
    assertEquals(5, coco.size());
    assertEquals(ShapesDataset.SHAPES, coco.classes());
    for (int i = 0; i < 5; i++) {
      DetectionSample expected = scenes.get(i);
      DetectionSample read = coco.get(i);
      assertEquals(expected.boxes(), read.boxes());
      assertArrayEquals(expected.labels(), read.labels());
      assertEquals(32, read.image().width());
      // 8-bit PNG: pixel values within half a step.
      for (int p = 0; p < read.image().data().length; p++) {
        assertEquals(expected.image().data()[p], read.image().data()[p], 0.5 / 255 + 1e-6);
      }
    }
  }

  /** A hand-written file with non-contiguous category ids, a crowd region and an image without objects. */
  @Test
  void mapsCategoryIdsToContiguousLabels() throws IOException {
    writeImages("a.png", "b.png");
    Path json = writeJson("""
        {"images": [{"id": 10, "file_name": "a.png", "width": 8, "height": 6},
                    {"id": 11, "file_name": "b.png", "width": 8, "height": 6}],
         "categories": [{"id": 90, "name": "toothbrush"}, {"id": 1, "name": "person"}, {"id": 18, "name": "dog"}],
         "annotations": [{"id": 1, "image_id": 10, "category_id": 90, "bbox": [1, 2, 3, 4]},
                         {"id": 2, "image_id": 10, "category_id": 1, "bbox": [0.5, 0, 7.5, 6]},
                         {"id": 3, "image_id": 10, "category_id": 18, "bbox": [0, 0, 8, 6], "iscrowd": 1}]}
        """);
    CocoDetection coco = CocoDetection.open(dir, json);
    assertEquals(List.of("person", "dog", "toothbrush"), coco.classes());
    assertEquals(90, coco.categoryId(3));
    DetectionSample a = coco.get(0);
    assertEquals(List.of(new Box(1, 2, 4, 6), new Box(0.5f, 0, 8, 6)), a.boxes());
    assertArrayEquals(new int[] {3, 1}, a.labels());
    assertEquals(0, coco.get(1).boxes().size());
  }

  @Test
  void missingImageFileIsNamed() throws IOException {
    writeImages("a.png");
    Path json = writeJson("""
        {"images": [{"id": 1, "file_name": "a.png", "width": 8, "height": 6},
                    {"id": 2, "file_name": "gone.png", "width": 8, "height": 6}],
         "categories": [{"id": 1, "name": "x"}], "annotations": []}
        """);
    DatasetException e = assertThrows(DatasetException.class, () -> CocoDetection.open(dir, json));
    assertTrue(e.getMessage().contains("image 2") && e.getMessage().contains("gone.png"), e.getMessage());
    assertTrue(e.getMessage().startsWith(json.toString()), e.getMessage());
  }

  @Test
  void unknownCategoryNamesTheAnnotation() throws IOException {
    writeImages("a.png");
    Path json = writeJson("""
        {"images": [{"id": 1, "file_name": "a.png", "width": 8, "height": 6}],
         "categories": [{"id": 1, "name": "x"}],
         "annotations": [{"id": 77, "image_id": 1, "category_id": 5, "bbox": [0, 0, 2, 2]}]}
        """);
    DatasetException e = assertThrows(DatasetException.class, () -> CocoDetection.open(dir, json));
    assertTrue(e.getMessage().contains("annotation 77") && e.getMessage().contains("unknown category_id 5")
        && e.getMessage().contains("a.png"), e.getMessage());
  }

  @Test
  void badBoxesNameTheAnnotation() throws IOException {
    writeImages("a.png");
    for (String bbox : new String[] {"[0, 0, 2]", "[0, 0, 0, 2]", "[0, 0, -1, 2]", "[4, 0, 6, 2]", "[0, 0, \"w\", 2]"}) {
      Path json = writeJson("""
          {"images": [{"id": 1, "file_name": "a.png", "width": 8, "height": 6}],
           "categories": [{"id": 1, "name": "x"}],
           "annotations": [{"id": 5, "image_id": 1, "category_id": 1, "bbox": %s}]}
          """.formatted(bbox));
      DatasetException e = assertThrows(DatasetException.class, () -> CocoDetection.open(dir, json), bbox);
      assertTrue(e.getMessage().contains("annotation 5") && e.getMessage().contains("bbox"), e.getMessage());
    }
  }

  @Test
  void impossibleImageSizesAreRefusedWithTheImage() throws IOException {
    writeImages("a.png");
    for (String size : new String[] {"\"width\": -64, \"height\": 64", "\"width\": 0, \"height\": 6",
        "\"width\": 4000000000, \"height\": 3"}) {
      Path json = writeJson("""
          {"images": [{"id": 1, "file_name": "a.png", %s}],
           "categories": [{"id": 1, "name": "x"}],
           "annotations": [{"id": 5, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2]}]}
          """.formatted(size));
      DatasetException e = assertThrows(DatasetException.class, () -> CocoDetection.open(dir, json), size);
      assertTrue(e.getMessage().contains("image 1 (a.png): size ") && e.getMessage().contains("is not a size of an"
          + " image"), e.getMessage());
      assertTrue(!e.getMessage().contains("leaves the"), e.getMessage());
    }
  }

  @Test
  void unknownImageIdAndMissingArraysAreErrors() throws IOException {
    writeImages("a.png");
    Path json = writeJson("""
        {"images": [{"id": 1, "file_name": "a.png", "width": 8, "height": 6}],
         "categories": [{"id": 1, "name": "x"}],
         "annotations": [{"id": 9, "image_id": 4, "category_id": 1, "bbox": [0, 0, 2, 2]}]}
        """);
    DatasetException e = assertThrows(DatasetException.class, () -> CocoDetection.open(dir, json));
    assertTrue(e.getMessage().contains("annotation 9: unknown image_id 4"), e.getMessage());
    Path noImages = writeJson("{\"categories\": [], \"annotations\": []}");
    DatasetException m = assertThrows(DatasetException.class, () -> CocoDetection.open(dir, noImages));
    assertTrue(m.getMessage().contains("\"images\""), m.getMessage());
  }

  @Test
  void imageOfAnotherSizeThanDeclaredFailsWhenRead() throws IOException {
    writeImages("a.png");
    Path json = writeJson("""
        {"images": [{"id": 1, "file_name": "a.png", "width": 16, "height": 6}],
         "categories": [{"id": 1, "name": "x"}], "annotations": []}
        """);
    CocoDetection coco = CocoDetection.open(dir, json);
    DatasetException e = assertThrows(DatasetException.class, () -> coco.get(0));
    assertTrue(e.getMessage().contains("a.png") && e.getMessage().contains("8x6"), e.getMessage());
  }

  private void writeImages(String... names) {
    for (String n : names) {
      ImageFiles.writePng(new Image(new float[3 * 6 * 8], 3, 6, 8), dir.resolve(n));
    }
  }

  private Path writeJson(String text) throws IOException {
    Path json = dir.resolve("instances.json");
    Files.writeString(json, text);
    return json;
  }
}
