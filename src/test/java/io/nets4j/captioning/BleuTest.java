package io.nets4j.captioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class BleuTest {
  private static List<String> w(String s) {
    return List.of(s.split(" "));
  }

  @Test
  void identicalCorpusScoresOne() {
    assertEquals(1.0, Bleu.corpusBleu4(List.of(w("a red circle above a blue square")),
        List.of(List.of(w("a red circle above a blue square")))), 1e-12);
  }

  @Test
  void oneWrongWordByHand() {
    // candidate "a b c d e f" vs reference "a b c d e g": 5/6 unigrams, 4/5 bigrams, 3/4 trigrams,
    // 2/3 four-grams, equal lengths (no penalty)
    double expected = Math.pow(5.0 / 6 * 4.0 / 5 * 3.0 / 4 * 2.0 / 3, 0.25);
    assertEquals(expected, Bleu.corpusBleu4(List.of(w("a b c d e f")), List.of(List.of(w("a b c d e g")))), 1e-12);
  }

  @Test
  void brevityPenaltyForShortCandidate() {
    // a 4-word prefix of a 6-word reference: all n-grams match, penalty exp(1 - 6/4)
    assertEquals(Math.exp(1 - 6.0 / 4), Bleu.corpusBleu4(List.of(w("a b c d")), List.of(List.of(w("a b c d e f")))),
        1e-12);
  }

  @Test
  void clippedCountsAsInThePaper() {
    // Papineni et al.'s example: "the the the the the the the" against "the cat is on the mat": unigram precision 2/7
    assertEquals(2.0 / 7, Bleu.corpusBleu(List.of(w("the the the the the the the")),
        List.of(List.of(w("the cat is on the mat"), w("there is a cat on the mat"))), 1), 1e-12);
  }

  @Test
  void countsArePooledOverTheCorpus() {
    // sentence 1 matches fully (4 words), sentence 2 shares only "x y": pooled counts, not a mean of sentence scores
    List<List<String>> cands = List.of(w("a b c d"), w("x y z q"));
    List<List<List<String>>> refs = List.of(List.of(w("a b c d")), List.of(w("x y u v")));
    double p1 = 6.0 / 8;
    double p2 = 4.0 / 6;
    double p3 = 2.0 / 4;
    double p4 = 1.0 / 2;
    assertEquals(Math.pow(p1 * p2 * p3 * p4, 0.25), Bleu.corpusBleu4(cands, refs), 1e-12);
  }

  @Test
  void closestReferenceLengthAndZeroWithoutFourGrams() {
    // reference lengths 3 and 7 for a 5-word candidate: both 2 away, the shorter (3) counts, so no penalty
    assertEquals(1.0, Bleu.corpusBleu4(List.of(w("a b c d e")), List.of(List.of(w("x y z"), w("a b c d e f g")))),
        1e-12);
    // a corpus without four-grams scores 0 (no smoothing)
    assertEquals(0.0, Bleu.corpusBleu4(List.of(w("a b c")), List.of(List.of(w("a b c")))), 0.0);
    assertThrows(IllegalArgumentException.class, () -> Bleu.corpusBleu4(List.of(w("a")), List.of()));
  }
}
