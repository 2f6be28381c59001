package io.nets4j.analysis;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The documents that {@code nets4j explain TOPIC} generates from measured numbers, by topic name.
 */
public final class Explanations {
  /**
   * Options of the topics that time models ({@code efficient-cnns}); the others take none.
   *
   * @param latencyRuns timed runs per model, or 0 for the topic's default
   * @param quick fewer warm-up and timed runs, for a rough table in a short time
   * @param models the models to include, by name or {@code *}-pattern; empty for all of the topic's
   * @param progress receives one line per step of a long generation
   */
  public record Options(int latencyRuns, boolean quick, List<String> models, Consumer<String> progress) {
    /** No options: every model, default runs, no progress lines. */
    public static final Options NONE = new Options(0, false, List.of(), line -> { });

    public Options {
      if (latencyRuns < 0) {
        throw new IllegalArgumentException("the number of latency runs must be >= 1, got " + latencyRuns);
      }
      models = List.copyOf(models);
    }

    /** Whether any option differs from {@link #NONE} (the progress sink aside). */
    boolean any() {
      return latencyRuns != 0 || quick || !models.isEmpty();
    }
  }

  private record Topic(Function<Options, String> generator, boolean takesOptions) {}

  private static final Map<String, Topic> TOPICS = new LinkedHashMap<>();

  static {
    TOPICS.put(ClassicCnns.TOPIC, new Topic(o -> ClassicCnns.generate(), false));
    TOPICS.put(EfficientCnns.TOPIC, new Topic(EfficientCnns::generate, true));
    TOPICS.put(EfficientNetScaling.TOPIC, new Topic(o -> EfficientNetScaling.generate(), false));
    TOPICS.put(Transformers.TOPIC, new Topic(o -> Transformers.generate(), false));
  }

  private Explanations() {}

  /** The topic names, e.g. {@code classic-cnns}. */
  public static List<String> topics() {
    return List.copyOf(TOPICS.keySet());
  }

  /** Generates the Markdown document of {@code topic} with default options. */
  public static String generate(String topic) {
    return generate(topic, Options.NONE);
  }

  /**
   * Generates the Markdown document of {@code topic}.
   *
   * @throws IllegalArgumentException for an unknown topic, or options given to a topic that times nothing
   */
  public static String generate(String topic, Options options) {
    Topic t = TOPICS.get(topic);
    if (t == null) {
      throw new IllegalArgumentException("unknown topic '" + topic + "'; available: " + topics());
    }
    if (options.any() && !t.takesOptions()) {
      throw new IllegalArgumentException("topic '" + topic + "' measures no latency and has a fixed set of models: "
          + "--latency-runs, --quick and --models apply to " + EfficientCnns.TOPIC + " only");
    }
    return t.generator().apply(options);
  }
}
