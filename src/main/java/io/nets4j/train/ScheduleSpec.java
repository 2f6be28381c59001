package io.nets4j.train;

import io.nets4j.nn.Checks;
import java.util.Locale;

/**
 * A learning-rate schedule in epochs, turned into an {@link LrSchedule} over optimizer steps once
 * the number of batches per epoch is known.
 *
 * @param kind {@code constant}, {@code cosine} or {@code step}
 * @param warmupEpochs linear warm-up length (fractions allowed; 0 for none)
 * @param warmupStartFactor learning-rate factor at the first warm-up step
 * @param minFactor the final factor of the cosine schedule
 * @param stepEpochs the period of the step schedule
 * @param gamma the factor the step schedule applies at each period
 */
public record ScheduleSpec(Kind kind, double warmupEpochs, double warmupStartFactor, double minFactor,
    double stepEpochs, double gamma) {
  /** The schedule's shape after warm-up. */
  public enum Kind {
    CONSTANT, COSINE, STEP;

    /** Parses {@code constant}, {@code cosine} or {@code step}. */
    public static Kind parse(String text) {
      for (Kind k : values()) {
        if (k.name().equalsIgnoreCase(text.trim())) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown schedule '" + text + "' (use constant, cosine or step)");
    }
  }

  public ScheduleSpec {
    Checks.nonNegative("warm-up epochs", warmupEpochs);
    Checks.probability("warm-up start factor", warmupStartFactor);
    Checks.nonNegative("minimum factor", minFactor);
    Checks.positive("epochs between decays", stepEpochs);
    Checks.range("decay factor (gamma)", gamma, 0, 1);
  }

  /** Cosine decay to 0 without warm-up. */
  public static ScheduleSpec cosine() {
    return new ScheduleSpec(Kind.COSINE, 0, 0.01, 0, 30, 0.1);
  }

  public static ScheduleSpec constant() {
    return new ScheduleSpec(Kind.CONSTANT, 0, 0.01, 0, 30, 0.1);
  }

  /** Divides the rate by 10 every {@code epochs} epochs (the classic ImageNet recipe with 30). */
  public static ScheduleSpec step(double epochs, double gamma) {
    return new ScheduleSpec(Kind.STEP, 0, 0.01, 0, epochs, gamma);
  }

  public ScheduleSpec withWarmup(double epochs, double startFactor) {
    return new ScheduleSpec(kind, epochs, startFactor, minFactor, stepEpochs, gamma);
  }

  public ScheduleSpec withMinFactor(double f) {
    return new ScheduleSpec(kind, warmupEpochs, warmupStartFactor, f, stepEpochs, gamma);
  }

  /** The schedule for a run of {@code epochs} epochs of {@code stepsPerEpoch} optimizer steps. */
  public LrSchedule build(long stepsPerEpoch, int epochs) {
    long total = stepsPerEpoch * epochs;
    long warmup = Math.min(total, Math.round(warmupEpochs * stepsPerEpoch));
    LrSchedule main = switch (kind) {
      case CONSTANT -> LrSchedule.constant();
      case COSINE -> LrSchedule.cosine(Math.max(1, total - warmup), minFactor);
      case STEP -> LrSchedule.step(Math.max(1, Math.round(stepEpochs * stepsPerEpoch)), gamma);
    };
    return main.afterWarmup(warmup, warmupStartFactor);
  }

  /** The command-line name of the kind. */
  public String name() {
    return kind.name().toLowerCase(Locale.ROOT);
  }
}
