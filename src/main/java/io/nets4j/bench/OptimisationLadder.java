package io.nets4j.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.nets4j.inference.InferenceOptimizer;
import io.nets4j.inference.InferenceOptions;
import io.nets4j.inference.OptimizedModel;
import io.nets4j.nn.Layer;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The inference optimisations of {@link InferenceOptimizer} added one at a time, with the batch-1
 * latency of each step: eager float32, inference mode, batch norm folded into the convolutions,
 * channels-last memory format, convolution weights packed into oneDNN's layout (all of
 * {@code --optimize}), and the same in bfloat16. Every step runs its own copy of the model; the
 * copies are timed round-robin, one forward each per round, so that the machine's drift over the
 * measurement affects every step alike.
 */
public final class OptimisationLadder {
  /**
   * One step of the ladder.
   *
   * @param name what the step adds
   * @param options the optimiser's options, or {@code null} for the eager model under {@code NoGradGuard}
   */
  public record Step(String name, InferenceOptions options) {}

  /** The steps, each adding to the ones before it. */
  public static final List<Step> STEPS = List.of(
      new Step("eager float32", null),
      new Step("inference mode", InferenceOptions.none()),
      new Step("+ batch norm folded", InferenceOptions.none().withFoldBatchNorm(true)),
      new Step("+ channels-last", InferenceOptions.none().withFoldBatchNorm(true).withChannelsLast(true)),
      new Step("+ packed weights (`--optimize`)", InferenceOptions.defaults()),
      new Step("bfloat16 (`--optimize --dtype bf16`)", InferenceOptions.defaults().withDtype(DType.BFLOAT16)));

  /**
   * The batch-1 latency of every step, in the order of {@link #STEPS}, and the optimisations this CPU
   * could not apply ({@link OptimizedModel#fallbacks()}, e.g. bfloat16 weight packing without AVX-512).
   */
  public record Result(String model, String input, int threads, List<String> steps, List<Stats> latencyMs,
      List<String> fallbacks) {
    public Result {
      steps = List.copyOf(steps);
      latencyMs = List.copyOf(latencyMs);
      fallbacks = List.copyOf(fallbacks);
    }

    /** The speed-up of step {@code i} over the first (eager float32), by medians. */
    public double speedUp(int i) {
      return latencyMs.get(0).median() / latencyMs.get(i).median();
    }

    public String text() {
      StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%s, %s, batch 1, %d threads%n", model, input,
          threads));
      for (int i = 0; i < steps.size(); i++) {
        b.append(String.format(Locale.ROOT, "  %-40s %s ms  %.2fx%n", steps.get(i), latencyMs.get(i).format(2),
            speedUp(i)));
      }
      fallbacks.forEach(f -> b.append("  fallback: ").append(f).append('\n'));
      return b.toString();
    }

    public String json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("model", model);
      m.put("input", input);
      m.put("threads", threads);
      List<Map<String, Object>> rows = new ArrayList<>();
      for (int i = 0; i < steps.size(); i++) {
        rows.add(Map.of("step", steps.get(i), "latencyMs", latencyMs.get(i).toMap()));
      }
      m.put("steps", rows);
      m.put("fallbacks", fallbacks);
      try {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }

    /** Reads back {@link #json} (e.g. printed by a child JVM). */
    public static Result parse(String json) {
      try {
        JsonNode n = new ObjectMapper().readTree(json);
        List<String> steps = new ArrayList<>();
        List<Stats> latency = new ArrayList<>();
        for (JsonNode row : n.get("steps")) {
          steps.add(row.get("step").asText());
          latency.add(Stats.fromJson(row.get("latencyMs")));
        }
        List<String> fallbacks = new ArrayList<>();
        n.path("fallbacks").forEach(f -> fallbacks.add(f.asText()));
        return new Result(n.get("model").asText(), n.get("input").asText(), n.get("threads").asInt(), steps, latency,
            fallbacks);
      } catch (JsonProcessingException | RuntimeException e) {
        throw new IllegalArgumentException("not an optimisation-ladder result: " + e.getMessage(), e);
      }
    }
  }

  private OptimisationLadder() {}

  /** Measures every step on the image model of {@code o} (its batch, dtype and optimize flag do not apply). */
  public static Result run(BenchOptions o) {
    Benchmark.setUp(o);
    List<Benchmark.Forward> forwards = new ArrayList<>();
    List<Tensor> inputs = new ArrayList<>();
    List<String> fallbacks = new ArrayList<>();
    String input = null;
    for (Step step : STEPS) {
      Workload w = Workload.of(o.model(), o.inputSize());
      if (!w.images()) {
        throw new IllegalArgumentException("the optimisation ladder applies to image models, not " + o.model());
      }
      input = w.inputDescription();
      Layer model = w.model();
      model.eval();
      try (Scope s = Scope.open()) {
        inputs.add(s.keep(w.input(1, DType.FLOAT32)));
        if (step.options() == null) {
          forwards.add(Benchmark.inference(model));
        } else {
          OptimizedModel optimized = InferenceOptimizer.optimizeInPlace(model, w.input(1, DType.FLOAT32),
              step.options());
          optimized.fallbacks().forEach(f -> fallbacks.add(step.name() + ": " + f));
          forwards.add(optimized::forward);
        }
      }
    }
    double[][] ms = new double[STEPS.size()][o.iters()];
    for (int i = -o.warmup(); i < o.iters(); i++) {
      for (int k = 0; k < STEPS.size(); k++) {
        try (Scope s = Scope.open()) {
          long t0 = System.nanoTime();
          forwards.get(k).apply(inputs.get(k));
          long t = System.nanoTime() - t0;
          if (i >= 0) {
            ms[k][i] = t / 1e6;
          }
        }
      }
    }
    List<Stats> latency = new ArrayList<>();
    for (double[] m : ms) {
      latency.add(Stats.of(m));
    }
    return new Result(o.model(), input, torch.get_num_threads(), STEPS.stream().map(Step::name).toList(), latency,
        fallbacks);
  }
}
