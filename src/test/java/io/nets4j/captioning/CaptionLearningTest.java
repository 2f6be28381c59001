package io.nets4j.captioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The captioners must read the image: a model that ignores it writes one fixed caption (the
 * caption-only baseline, about a quarter of the colour and shape words right), so held-out
 * content accuracy well above that shows that the encoder and the attention carry image content.
 */
class CaptionLearningTest {
  private static final int TRAIN = 2000;
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

  private static void learnsContent(ShowAttendTell.Kind kind) {
    CaptionTraining.Config config = CaptionTraining.Config.defaults(kind).withImages(TRAIN, TEST).withSteps(600);
    CaptionTraining.Result r = CaptionTraining.run(config, 0, null);
    CaptionTraining.Evaluation blind = CaptionTraining.captionOnlyBaseline(
        CaptionTraining.Corpus.generate(TRAIN, config.imageSize(), config.seed()),
        CaptionTraining.Corpus.generate(TEST, config.imageSize(), config.seed() + 1_000_003));
    double content = r.evaluation().contentAccuracy();
    assertTrue(content > 0.40 && content > blind.contentAccuracy() + 0.10,
        kind + " attention: held-out content accuracy " + content + " vs caption-only " + blind.contentAccuracy()
            + ", curve " + r.curve());
  }

  @Test
  @Tag("slow")
  void softAttentionLearnsImageContent() {
    learnsContent(ShowAttendTell.Kind.SOFT);
  }

  @Test
  @Tag("slow")
  void hardAttentionLearnsImageContent() {
    learnsContent(ShowAttendTell.Kind.HARD);
  }
}
