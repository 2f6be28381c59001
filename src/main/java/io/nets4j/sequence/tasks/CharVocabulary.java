package io.nets4j.sequence.tasks;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A character vocabulary with three reserved tokens: padding ({@link #PAD}), start ({@link #BOS})
 * and end ({@link #EOS}) of sequence; characters follow in code-point order, so the same set of
 * characters always gives the same ids.
 */
public final class CharVocabulary {
  public static final int PAD = 0;
  public static final int BOS = 1;
  public static final int EOS = 2;
  private static final int RESERVED = 3;

  private final int[] codePoints;
  private final Map<Integer, Integer> ids = new HashMap<>();

  private CharVocabulary(int[] codePoints) {
    this.codePoints = codePoints;
    for (int i = 0; i < codePoints.length; i++) {
      ids.put(codePoints[i], i + RESERVED);
    }
  }

  /** The vocabulary of every character in {@code texts}. */
  public static CharVocabulary of(Iterable<String> texts) {
    TreeSet<Integer> set = new TreeSet<>();
    for (String t : texts) {
      t.codePoints().forEach(set::add);
    }
    return new CharVocabulary(set.stream().mapToInt(Integer::intValue).toArray());
  }

  /** The vocabulary of the characters of {@code text}. */
  public static CharVocabulary of(String text) {
    return of(List.of(text));
  }

  /** Ids and characters together. */
  public int size() {
    return codePoints.length + RESERVED;
  }

  /** The ids of the characters of {@code text}, without start or end tokens. */
  public long[] encode(String text, String what) {
    if (text.isEmpty()) {
      throw new IllegalArgumentException(what + " is empty");
    }
    int[] cps = text.codePoints().toArray();
    long[] out = new long[cps.length];
    for (int i = 0; i < cps.length; i++) {
      Integer id = ids.get(cps[i]);
      if (id == null) {
        throw new IllegalArgumentException(what + " has character '" + new String(Character.toChars(cps[i]))
            + "' (U+" + String.format("%04X", cps[i]) + ") at position " + i + ", which is not in the vocabulary of "
            + codePoints.length + " characters");
      }
      out[i] = id;
    }
    return out;
  }

  /** The characters of {@code tokens}; reserved tokens are skipped. */
  public String decode(long[] tokens) {
    StringBuilder sb = new StringBuilder();
    for (long t : tokens) {
      if (t >= RESERVED && t < size()) {
        sb.appendCodePoint(codePoints[(int) t - RESERVED]);
      }
    }
    return sb.toString();
  }

  /** A printable label of one token, for plots. */
  public String label(long token) {
    if (token == PAD) {
      return "<pad>";
    }
    if (token == BOS) {
      return "<s>";
    }
    if (token == EOS) {
      return "</s>";
    }
    int cp = codePoints[(int) token - RESERVED];
    return cp == ' ' ? "\u2423" : new String(Character.toChars(cp));
  }
}
