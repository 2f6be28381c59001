package io.nets4j.visual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.Image;
import io.nets4j.data.ImageFiles;
import io.nets4j.data.ShapesDataset;
import io.nets4j.models.ModelOptions;
import io.nets4j.models.VisionTransformer;
import io.nets4j.nn.RecordsAttention;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttentionImagesTest {
  @TempDir
  Path tmp;

  private static final VisionTransformer.Config TINY = new VisionTransformer.Config(8, 2, 2, 32, 64);

  @Test
  void vitRolloutIsWrittenAsAPngOfTheModelsInputSize() throws IOException {
    VisionTransformer vit = new VisionTransformer(TINY, 32, ModelOptions.defaults().withNumClasses(4));
    Image source = ShapesDataset.scenes(1, 50, 1).get(0).image();
    Image view = AttentionImages.modelView(source, 32);
    Map<String, Tensor> maps = AttentionImages.record(vit, view);
    assertEquals(2, maps.size());
    assertTrue(RecordsAttention.lastAttentions(vit).isEmpty(), "recording is switched off again");
    double[] rollout = AttentionImages.classTokenAttention(maps, AttentionImages.Method.ROLLOUT);
    assertEquals(16, rollout.length); // a 4 x 4 grid of 8-pixel patches
    double[] last = AttentionImages.classTokenAttention(maps, AttentionImages.Method.LAST);
    assertNotEquals(rollout[0], last[0]);
    Image img = AttentionImages.classTokenImage(view, maps, AttentionImages.Method.ROLLOUT);
    Path file = tmp.resolve("rollout.png");
    ImageFiles.writePng(img, file);
    BufferedImage read = ImageIO.read(file.toFile());
    assertEquals(32, read.getWidth());
    assertEquals(32, read.getHeight());
  }

  @Test
  void heatmapRejectsAMismatchedGrid() {
    Image rgb = new Image(new float[3 * 4 * 4], 3, 4, 4);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Heatmap.overlay(rgb, new double[5], 2, 2));
    assertTrue(e.getMessage().contains("5 values do not fill a 2x2 grid"), e.getMessage());
  }

  @Test
  void hottestPatchIsDarkRedAndColdestDarkBlue() {
    Image grey = new Image(new float[3 * 8 * 8], 3, 8, 8);
    Image img = Heatmap.overlay(grey, new double[] {0, 0, 0, 1}, 2, 2);
    // bottom-right pixel: value 1 -> jet's dark red (0.5, 0, 0), blended half over black
    assertEquals(0.25f, img.get(0, 7, 7), 1e-6);
    assertEquals(0f, img.get(1, 7, 7), 1e-6);
    assertEquals(0f, img.get(2, 7, 7), 1e-6);
    // top-left: value 0 -> dark blue (0, 0, 0.5)
    assertEquals(0f, img.get(0, 0, 0), 1e-6);
    assertEquals(0.25f, img.get(2, 0, 0), 1e-6);
  }
}
