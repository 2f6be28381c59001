package io.nets4j.captioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The yardstick for the captioners: a model that ignores the image writes one fixed caption (the
 * caption-only baseline, about a quarter of the colour and shape words right); a captioner shows
 * that its encoder and attention carry image content by a held-out content accuracy well above it.
 */
class CaptionLearningTest {
  private static final int TEST = 200;

  @Test
  void theCaptionOnlyBaselineWritesOneFixedCaption() {
    CaptionTraining.Corpus train = CaptionTraining.Corpus.generate(400, 32, 0);
    CaptionTraining.Corpus test = CaptionTraining.Corpus.generate(TEST, 32, 1);
    CaptionTraining.Evaluation blind = CaptionTraining.captionOnlyBaseline(train, test);
    assertTrue(blind.contentAccuracy() > 0.15 && blind.contentAccuracy() < 0.40,
        "caption-only content accuracy " + blind.contentAccuracy());
    assertTrue(blind.exactMatch() < 0.05, "caption-only exact match " + blind.exactMatch());
    // the fixed caption is well formed: it scores like a caption, not like noise
    List<String> words = List.of("a", "red", "circle", "above", "a", "red", "circle");
    CaptionTraining.Evaluation same = CaptionTraining.score(List.of(words), List.of(words), List.of());
    assertEquals(1.0, same.bleu4(), 1e-9);
    assertEquals(1.0, same.contentAccuracy(), 1e-9);
  }
}
