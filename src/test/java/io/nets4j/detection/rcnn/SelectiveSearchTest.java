package io.nets4j.detection.rcnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.Box;
import io.nets4j.data.DetectionSample;
import io.nets4j.data.Image;
import io.nets4j.data.ShapesDataset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SelectiveSearchTest {
  @Test
  void recallOnShapes() {
    for (int size : new int[] {64, 96}) {
      var data = ShapesDataset.scenes(20, size, 7).detection();
      SelectiveSearch ss = new SelectiveSearch(SelectiveSearch.Config.fast());
      int found = 0;
      int total = 0;
      long props = 0;
      long t0 = System.nanoTime();
      for (int i = 0; i < data.size(); i++) {
        DetectionSample s = data.get(i);
        List<Box> p = ss.propose(s.image());
        props += p.size();
        for (Box g : s.boxes()) {
          total++;
          double best = 0;
          for (Box b : p) {
            best = Math.max(best, RegionSampler.iou(b, g));
          }
          if (best >= 0.5) {
            found++;
          }
        }
      }
      System.out.printf("size %d recall %.3f (%d/%d) proposals/img %.1f time/img %.1f ms%n", size,
          (double) found / total, found, total, props / 20.0, (System.nanoTime() - t0) / 1e6 / 20);
    }
  }
}
