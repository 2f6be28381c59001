package io.nets4j.sequence.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.sequence.Transformer;
import io.nets4j.train.LrSchedule;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Seq2SeqTest {
  @TempDir
  Path tmp;

  private static final CharVocabulary SOURCE = CharVocabulary.of(DateTask.alphabet());
  private static final CharVocabulary TARGET = CharVocabulary.of(List.of("0123456789-"));

  /** Two numeric formats: enough to show that the model reads its input, quick to learn. */
  private static DateTask easyTask() {
    return new DateTask(3000, 0, List.of(DateTask.FORMATS.get(0), DateTask.FORMATS.get(1)));
  }

  private static Seq2SeqModel tiny(DateModels kind) {
    torch.manual_seed(0);
    return switch (kind) {
      case BAHDANAU -> new BahdanauSeq2Seq(SOURCE, TARGET, DateTask.MAX_SOURCE_LENGTH, new BahdanauSeq2Seq.Config(16, 32));
      case TRANSFORMER -> new TransformerSeq2Seq(SOURCE, TARGET, DateTask.MAX_SOURCE_LENGTH,
          Transformer.Config.builder().size(32, 2, 64).layers(1, 1).dropout(0.0).normFirst(true).build());
    };
  }

  /**
   * A model that ignores its input can only learn the fixed layout (the dashes, "19"/"20") and the
   * digit frequencies, about 40% of the characters; the trained model must read the source.
   */
  private static void learns(DateModels kind, int steps, double lr) {
    Seq2SeqModel model = tiny(kind);
    DateTask task = easyTask();
    List<DateTask.Example> heldOut = task.heldOutExamples(200, new Random(9));
    double before = Seq2SeqTraining.characterAccuracy(model, heldOut);
    Seq2SeqTraining.train(model, task, new Seq2SeqTraining.Settings(steps, 32, lr, steps, 50, 1), c -> {});
    double after = Seq2SeqTraining.characterAccuracy(model, heldOut);
    assertTrue(after > 0.7 && after > before + 0.4, kind + ": held-out character accuracy " + before + " -> " + after);
  }

  @Test
  void bahdanauLearnsToCopyDatesItNeverSaw() {
    learns(DateModels.BAHDANAU, 60, 0.01);
  }

  @Test
  void transformerLearnsToCopyDatesItNeverSaw() {
    learns(DateModels.TRANSFORMER, 150, 0.005);
  }

  @Test
  void trainingStopsAtTheTargetAccuracyOrTimeLimit() {
    Seq2SeqModel model = tiny(DateModels.BAHDANAU);
    List<Seq2SeqTraining.Checkpoint> log = Seq2SeqTraining.train(model, easyTask(),
        new Seq2SeqTraining.Settings(1000, 4, 1e-3, LrSchedule.constant(), 3, 8, 1, 0.0, Double.POSITIVE_INFINITY), c -> {});
    assertEquals(1, log.size());
    assertEquals(3, log.get(0).step());
    // a time limit shorter than one step: one step, then the last measurement
    List<Seq2SeqTraining.Checkpoint> timed = Seq2SeqTraining.train(model, easyTask(),
        new Seq2SeqTraining.Settings(1000, 4, 1e-3, LrSchedule.constant(), 500, 8, 1, Double.POSITIVE_INFINITY, 1e-9), c -> {});
    assertEquals(1, timed.size());
    assertEquals(1, timed.get(0).step());
    assertThrows(IllegalArgumentException.class,
        () -> new Seq2SeqTraining.Settings(10, 4, 1e-3, LrSchedule.constant(), 3, 8, 1, -0.5, Double.POSITIVE_INFINITY));
  }

  @Test
  void badSourcesAreRejectedWithTheirPosition() {
    Seq2SeqModel model = tiny(DateModels.BAHDANAU);
    IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
        () -> model.encode(List.of("2026-11-22", "1".repeat(40))));
    assertTrue(tooLong.getMessage().contains("source 1") && tooLong.getMessage().contains("40 characters")
        && tooLong.getMessage().contains("limit of 32"), tooLong.getMessage());
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> model.encode(List.of("22 nov 2026 ☃")));
    assertTrue(unknown.getMessage().contains("'☃'") && unknown.getMessage().contains("position 12"),
        unknown.getMessage());
    IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> model.encode(List.of("")));
    assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
    assertThrows(IllegalArgumentException.class, () -> model.encode(List.of()));
  }

  @Test
  void alignmentCoversEveryOutputAndSourceCharacterAndDraws() throws Exception {
    for (DateModels kind : DateModels.values()) {
      Seq2SeqModel model = tiny(kind);
      Seq2SeqModel.Alignment a = model.align("nov 22, 2026", 12);
      assertEquals(12, a.sourceTokens().length);
      assertEquals(a.outputTokens().length, a.weights().length);
      for (float[] row : a.weights()) {
        assertEquals(12, row.length);
        double sum = 0;
        for (float w : row) {
          sum += w;
        }
        assertEquals(1.0, sum, 1e-4, kind + ": attention weights sum to one");
      }
      Path png = tmp.resolve(kind + ".png");
      AttentionHeatmap.write(png, "test", model, a);
      BufferedImage image = ImageIO.read(png.toFile());
      assertTrue(image.getWidth() > 12 * 20 && image.getHeight() > a.weights().length * 20);
    }
  }
}
