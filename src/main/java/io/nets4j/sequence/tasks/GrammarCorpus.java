package io.nets4j.sequence.tasks;

import java.util.List;
import java.util.Random;

/**
 * A deterministic English-like corpus from a small grammar, the default text of the language
 * models: sentences with adjectives, prepositional phrases and relative clauses whose verbs agree
 * in number with their subject ("the old cats that the dog sees sleep near the river."), so a
 * model that tracks the subject across a clause predicts better than one that sees a few
 * characters back.
 */
public final class GrammarCorpus {
  private static final List<String> NOUNS = List.of("cat", "dog", "bird", "farmer", "teacher", "child", "king",
      "river", "garden", "house", "horse", "sailor", "baker", "friend", "stranger", "student", "painter", "wolf");
  private static final List<String> PLURALS = List.of("cats", "dogs", "birds", "farmers", "teachers", "children",
      "kings", "rivers", "gardens", "houses", "horses", "sailors", "bakers", "friends", "strangers", "students",
      "painters", "wolves");
  private static final List<String> ADJECTIVES = List.of("old", "young", "small", "happy", "quiet", "clever",
      "brown", "tired", "brave", "green", "strange", "gentle");
  private static final List<String> TRANSITIVE = List.of("see", "follow", "like", "watch", "help", "find", "call",
      "remember", "visit");
  private static final List<String> INTRANSITIVE = List.of("sleep", "sing", "wait", "run", "laugh", "listen", "work");
  private static final List<String> PREPOSITIONS = List.of("near", "behind", "under", "beside", "across", "beyond");
  private static final List<String> ADVERBS = List.of("slowly", "often", "again", "quietly", "every day", "at night");

  private GrammarCorpus() {}

  /** About {@code characters} characters of sentences, the same for the same seed. */
  public static String generate(int characters, long seed) {
    if (characters <= 0) {
      throw new IllegalArgumentException("corpus size must be positive, got " + characters);
    }
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder(characters + 200);
    while (sb.length() < characters) {
      String s = sentence(r);
      sb.append(Character.toUpperCase(s.charAt(0))).append(s, 1, s.length()).append(r.nextInt(8) == 0 ? "\n" : " ");
    }
    return sb.toString();
  }

  private static String sentence(Random r) {
    boolean plural = r.nextBoolean();
    String s = nounPhrase(r, plural, 0) + " " + verbPhrase(r, plural, 0);
    if (r.nextInt(4) == 0) {
      s += " and " + nounPhrase(r, !plural, 1) + " " + verbPhrase(r, !plural, 1);
    }
    return s + (r.nextInt(6) == 0 ? "!" : ".");
  }

  private static String nounPhrase(Random r, boolean plural, int depth) {
    StringBuilder sb = new StringBuilder(plural ? (r.nextBoolean() ? "the" : "some") : (r.nextBoolean() ? "the" : "a"));
    if (r.nextInt(3) == 0) {
      sb.append(' ').append(pick(r, ADJECTIVES));
    }
    int noun = r.nextInt(NOUNS.size());
    String word = plural ? PLURALS.get(noun) : NOUNS.get(noun);
    sb.append(' ').append(word);
    if (depth < 2 && r.nextInt(5) == 0) {
      sb.append(' ').append(pick(r, PREPOSITIONS)).append(' ').append(nounPhrase(r, r.nextBoolean(), depth + 1));
    } else if (depth < 1 && r.nextInt(4) == 0) {
      boolean other = r.nextBoolean();
      sb.append(" that ").append(nounPhrase(r, other, depth + 1)).append(' ')
          .append(verb(r, TRANSITIVE, other));
    }
    String phrase = sb.toString();
    return phrase.startsWith("a ") && "aeiou".indexOf(phrase.charAt(2)) >= 0 ? "an" + phrase.substring(1) : phrase;
  }

  private static String verbPhrase(Random r, boolean plural, int depth) {
    String vp = r.nextBoolean()
        ? verb(r, TRANSITIVE, plural) + " " + nounPhrase(r, r.nextBoolean(), depth + 1)
        : verb(r, INTRANSITIVE, plural);
    if (r.nextInt(3) == 0) {
      vp += " " + pick(r, ADVERBS);
    }
    return vp;
  }

  private static String verb(Random r, List<String> verbs, boolean plural) {
    String v = pick(r, verbs);
    return plural ? v : v + (v.endsWith("h") ? "es" : "s");
  }

  private static String pick(Random r, List<String> words) {
    return words.get(r.nextInt(words.size()));
  }
}
