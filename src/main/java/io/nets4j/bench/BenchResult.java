package io.nets4j.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.nets4j.tensor.CpuCapabilities;
import io.nets4j.tensor.DType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The measurements of one benchmark.
 *
 * @param options what was run
 * @param input the input of one batch element ({@code 3x224x224})
 * @param unit the unit of a batch element ({@code img}, {@code seq})
 * @param parameters trainable parameter count
 * @param latencyMs inference: one forward at batch 1; training: one step at the benchmark's batch (ms)
 * @param throughput batch elements per second at the benchmark's batch
 * @param peakResidentBytes the process's peak resident set size at the end, or -1 where unknown
 * @param numThreads libtorch's intra-op thread count during the run
 * @param threadEnvironment whether this JVM set nets4j's native thread environment
 * @param cpu the CPU capabilities the run had ({@link CpuCapabilities#describe()})
 * @param fallbacks the paths asked for that this CPU could not take, each saying what ran instead
 */
public record BenchResult(BenchOptions options, String input, String unit, long parameters, Stats latencyMs,
    Stats throughput, long peakResidentBytes, int numThreads, boolean threadEnvironment, String cpu,
    List<String> fallbacks) {
  public BenchResult {
    fallbacks = List.copyOf(fallbacks);
  }

  /** Human-readable report. */
  public String text() {
    StringBuilder b = new StringBuilder();
    BenchOptions o = options;
    b.append(String.format(Locale.ROOT, "%s  %s  input %s  %,d params  %s%s  %d threads%s%s%s%n", o.model(),
        o.mode().label(), input, parameters, o.dtype().torchName(),
        o.mode() == Mode.TRAIN && o.dtype() != DType.FLOAT32 ? " autocast" : "", numThreads,
        o.optimize() ? "  optimized" : "", o.channelsLast() ? "  channels-last" : "",
        threadEnvironment ? "" : "  (thread environment NOT set)"));
    if (o.mode() == Mode.TRAIN) {
      b.append("  optimizer ").append(o.optimizerSpec().describe()).append('\n');
    }
    b.append(String.format(Locale.ROOT, "  %d warm-up + %d timed iterations per measurement%n", o.warmup(), o.iters()));
    String what = o.mode() == Mode.INFER ? "latency  (batch 1)" : "step     (batch " + o.batch() + ")";
    b.append(String.format(Locale.ROOT, "  %-18s median %9.2f ms   min %9.2f   p10 %9.2f   p90 %9.2f   max %9.2f%n",
        what, latencyMs.median(), latencyMs.min(), latencyMs.p10(), latencyMs.p90(), latencyMs.max()));
    b.append(String.format(Locale.ROOT, "  %-18s median %9.1f %s/s  min %9.1f   p10 %9.1f   p90 %9.1f   max %9.1f%n",
        "throughput (batch " + o.batch() + ")", throughput.median(), unit, throughput.min(), throughput.p10(),
        throughput.p90(), throughput.max()));
    b.append(String.format(Locale.ROOT, "  peak resident memory %s%n", peakResidentBytes < 0 ? "unknown"
        : String.format(Locale.ROOT, "%.1f MiB", peakResidentBytes / (1024.0 * 1024.0))));
    b.append("  ").append(cpu).append('\n');
    for (String f : fallbacks) {
      b.append("  fallback: ").append(f).append('\n');
    }
    return b.toString();
  }

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", options.model());
    m.put("mode", options.mode().label());
    m.put("batch", options.batch());
    m.put("dtype", options.dtype().torchName());
    m.put("optimize", options.optimize());
    m.put("optimizer", options.optimizer());
    m.put("channelsLast", options.channelsLast());
    m.put("input", input);
    m.put("unit", unit);
    m.put("parameters", parameters);
    m.put("warmup", options.warmup());
    m.put("iters", options.iters());
    m.put("threads", numThreads);
    m.put("threadEnvironment", threadEnvironment);
    m.put("latencyMs", latencyMs.toMap());
    m.put("throughputPerSecond", throughput.toMap());
    m.put("peakResidentBytes", peakResidentBytes);
    m.put("cpu", cpu);
    m.put("fallbacks", fallbacks);
    return m;
  }

  public String json() {
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(toMap());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads back the result printed by {@link #json} (e.g. by a child JVM). */
  public static BenchResult parse(String json) {
    try {
      com.fasterxml.jackson.databind.JsonNode n = new ObjectMapper().readTree(json);
      BenchOptions o = new BenchOptions(n.get("model").asText(), n.get("batch").asInt(), n.get("threads").asInt(),
          Mode.parse(n.get("mode").asText()), n.get("dtype").asText().equals("bfloat16") ? DType.BFLOAT16 : DType.FLOAT32,
          n.get("optimize").asBoolean(), n.get("warmup").asInt(), n.get("iters").asInt(), 0,
          n.get("optimizer").asText(), n.get("channelsLast").asBoolean());
      return new BenchResult(o, n.get("input").asText(), n.get("unit").asText(), n.get("parameters").asLong(),
          Stats.fromJson(n.get("latencyMs")), Stats.fromJson(n.get("throughputPerSecond")), n.get("peakResidentBytes").asLong(),
          n.get("threads").asInt(), n.get("threadEnvironment").asBoolean(), n.path("cpu").asText(""),
          n.has("fallbacks") ? readStrings(n.get("fallbacks")) : List.of());
    } catch (JsonProcessingException | RuntimeException e) {
      throw new IllegalArgumentException("not a benchmark result: " + e.getMessage(), e);
    }
  }

  private static List<String> readStrings(com.fasterxml.jackson.databind.JsonNode array) {
    List<String> out = new java.util.ArrayList<>();
    array.forEach(e -> out.add(e.asText()));
    return out;
  }
}
