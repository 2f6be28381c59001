package io.nets4j.sequence.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.util.Arrays;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class LanguageModelTest {
  @Test
  void uniformModelHasThePerplexityOfTheVocabularySize() {
    for (int v : new int[] {2, 7, 50}) {
      double ppl = LanguageModelTraining.perplexity(Tensors.zeros(DType.FLOAT64, 5, v),
          Tensors.fromLongs(new long[] {0, 1, 1, 0, 1}, 5));
      assertEquals(v, ppl, 1e-9);
    }
  }

  @Test
  void perplexityOfAKnownDistribution() {
    // p(target) = 0.5 and 0.25: perplexity = exp(-(ln 0.5 + ln 0.25) / 2) = sqrt(8)
    double[] logits = {Math.log(0.5), Math.log(0.5), Math.log(0.25), Math.log(0.75)};
    double ppl = LanguageModelTraining.perplexity(Tensors.fromDoubles(logits, 2, 2), Tensors.fromLongs(new long[] {0, 0}, 2));
    assertEquals(Math.sqrt(8), ppl, 1e-9);
  }

  @Test
  void markovModelMatchesHandComputedProbabilities() {
    // "abab" over {a, b}: unigrams a:2 b:2; after 'a': b twice; after 'b': a once
    int[] text = {0, 1, 0, 1};
    MarkovModel bigram = new MarkovModel(text, 2, 2, 1.0);
    double unigramB = (2 + 0.5) / (4 + 1);
    assertEquals(0.5, unigramB, 1e-12);
    assertEquals((2 + unigramB) / (2 + 1), bigram.probability(new int[] {0}, 0, 1, 1), 1e-12);
    assertEquals((0 + 0.5) / (2 + 1), bigram.probability(new int[] {0}, 0, 1, 0), 1e-12);
    assertEquals((1 + 0.5) / (1 + 1), bigram.probability(new int[] {1}, 0, 1, 0), 1e-12);
    // no context: the smoothed unigram
    assertEquals(0.5, bigram.probability(new int[0], 0, 0, 0), 1e-12);
    // an unseen context falls back to the unigram, and the probabilities sum to one
    MarkovModel trigram = new MarkovModel(new int[] {0, 0, 1, 2, 0}, 3, 3, 0.5);
    int[] ctx = {2, 2};
    double sum = 0;
    for (int c = 0; c < 3; c++) {
      sum += trigram.probability(ctx, 0, 2, c);
    }
    assertEquals(1.0, sum, 1e-12);
    // mean NLL of "ab" = -ln P(b | a)
    assertEquals(-Math.log((2 + unigramB) / 3), bigram.meanNll(new int[] {0, 1}), 1e-12);
  }

  @Test
  void markovModelRejectsCharactersOutsideItsAlphabet() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new MarkovModel(new int[] {0, 5}, 3, 2, 1.0));
    assertTrue(e.getMessage().contains("position 1"), e.getMessage());
  }

  /** Every family learns a periodic text: perplexity far below the uniform guess over its 11 characters. */
  @ParameterizedTest
  @EnumSource(CharLanguageModel.Kind.class)
  void everyFamilyLearnsAPeriodicText(CharLanguageModel.Kind kind) {
    String text = "the cat sat. ".repeat(60);
    CharVocabulary vocab = CharVocabulary.of(text);
    long[] ids = vocab.encode(text, "text");
    torch.manual_seed(0);
    CharLanguageModel model = kind.create(vocab.size(), 16, 32);
    long[] valid = Arrays.copyOfRange(ids, 0, 100);
    double before = Math.exp(LanguageModelTraining.meanNll(model, valid, 16));
    LanguageModelTraining.train(model, ids, new LanguageModelTraining.Settings(60, 8, 16, 0.01, 0), s -> {});
    double after = Math.exp(LanguageModelTraining.meanNll(model, valid, 16));
    assertTrue(after < 2.0 && before > 5.0, kind + ": perplexity " + before + " -> " + after);
  }

  @Test
  void sequencesPastTheLimitAreRejected() {
    CharLanguageModel model = CharLanguageModel.Kind.TRANSFORMER.create(10, 16, 32);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> model.logits(Tensors.zeros(DType.INT64, 1, 17)));
    assertTrue(e.getMessage().contains("17 characters") && e.getMessage().contains("limit of 16"), e.getMessage());
  }

  @Test
  void grammarCorpusIsDeterministic() {
    String a = GrammarCorpus.generate(5000, 3);
    assertEquals(a, GrammarCorpus.generate(5000, 3));
    assertTrue(!a.equals(GrammarCorpus.generate(5000, 4)));
    assertTrue(a.length() >= 5000 && a.contains(" that ") && a.contains("."), a.substring(0, 200));
  }

  @Test
  void vocabularyRejectsUnknownAndEmptyText() {
    CharVocabulary v = CharVocabulary.of("abc");
    assertEquals("cab", v.decode(v.encode("cab", "x")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> v.encode("abz", "prompt"));
    assertTrue(e.getMessage().contains("prompt") && e.getMessage().contains("'z'") && e.getMessage().contains("position 2"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> v.encode("", "prompt"));
  }
}
