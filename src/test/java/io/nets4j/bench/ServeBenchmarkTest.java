package io.nets4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.inference.ImageClassifierPipeline;
import io.nets4j.inference.PretrainedPredictionTest;
import io.nets4j.io.LoadMode;
import io.nets4j.io.StateDicts;
import io.nets4j.models.ImageClassifier;
import io.nets4j.models.Models;
import io.nets4j.models.Weights;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ServeBenchmark}: three runs of every request, latencies by nearest rank. */
class ServeBenchmarkTest {
  @Test
  void nearestRankPercentiles() {
    double[] sorted = new double[100];
    for (int i = 0; i < 100; i++) {
      sorted[i] = i + 1;
    }
    assertEquals(50, ServeBenchmark.nearestRank(sorted, 0.5));
    assertEquals(99, ServeBenchmark.nearestRank(sorted, 0.99));
    assertEquals(7, ServeBenchmark.nearestRank(new double[] {7}, 0.99));
  }

  @Test
  void everyRunAnswersEveryRequest() {
    Path weights = PretrainedPredictionTest.WEIGHTS;
    ImageClassifier model = Models.create("mobilenet_v3_small");
    StateDicts.load(model, weights.resolve("mobilenet_v3_small.state.safetensors"), LoadMode.STRICT);
    ImageClassifierPipeline pipeline = ImageClassifierPipeline.of(model, Weights.of("mobilenet_v3_small",
        "IMAGENET1K_V1"));
    List<ServeBenchmark.Row> rows = new ServeBenchmark(2, 2, 4, 2).run(pipeline,
        ServeBenchmark.read(weights.resolve("astronaut.png")));
    assertEquals(3, rows.size());
    for (ServeBenchmark.Row r : rows) {
      assertEquals(4, r.requests());
      assertTrue(r.p50Ms() > 0 && r.p50Ms() <= r.p99Ms(), r.toString());
    }
    String table = ServeBenchmark.markdown(rows);
    assertTrue(table.contains("| server, dynamic batching (max batch 4, 2 ms) | 4 |"), table);
  }
}
