package io.nets4j.analysis;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The documents that {@code nets4j explain TOPIC} generates from measured numbers, by topic name.
 */
public final class Explanations {
  private static final Map<String, Supplier<String>> TOPICS = new LinkedHashMap<>();

  static {
    TOPICS.put(ClassicCnns.TOPIC, ClassicCnns::generate);
    TOPICS.put(Transformers.TOPIC, Transformers::generate);
  }

  private Explanations() {}

  /** The topic names, e.g. {@code classic-cnns}. */
  public static List<String> topics() {
    return List.copyOf(TOPICS.keySet());
  }

  /** Generates the Markdown document of {@code topic}. */
  public static String generate(String topic) {
    Supplier<String> generator = TOPICS.get(topic);
    if (generator == null) {
      throw new IllegalArgumentException("unknown topic '" + topic + "'; available: " + topics());
    }
    return generator.get();
  }
}
