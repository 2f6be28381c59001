package io.nets4j.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes an {@link Evaluation} as JSON: summary metrics, per-class precision/recall/F1 and the confusion matrix. */
public final class EvaluationReport {
  private EvaluationReport() {}

  /** The report as a JSON-ready map. */
  public static Map<String, Object> toMap(Evaluation ev, List<String> classes) {
    ConfusionMatrix m = ev.confusion();
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("images", ev.count());
    root.put("loss", ev.loss());
    root.put("top1", ev.top1());
    root.put("top" + ev.k(), ev.topK());
    List<Map<String, Object>> perClass = new ArrayList<>();
    for (int c = 0; c < m.classes(); c++) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("class", classes.get(c));
      row.put("precision", m.precision(c));
      row.put("recall", m.recall(c));
      row.put("f1", m.f1(c));
      row.put("support", m.support(c));
      perClass.add(row);
    }
    root.put("per_class", perClass);
    root.put("classes", classes);
    root.put("confusion_matrix", m.counts());
    return root;
  }

  /** Writes {@link #toMap} to {@code file} atomically. */
  public static void write(Evaluation ev, List<String> classes, Path file) {
    try {
      AtomicFiles.writeString(file, Checkpoints.JSON.writeValueAsString(toMap(ev, classes)) + "\n");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
