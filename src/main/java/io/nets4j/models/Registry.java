package io.nets4j.models;

import io.nets4j.nn.Module;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The variants of one {@link Task} by name, each with its {@link ModelInfo} and a typed factory
 * from options {@code O} to a model {@code M}: the machinery behind {@link Models} and the
 * registries of the other tasks, which {@code io.nets4j.registry.ModelRegistry} lists and looks
 * up as one. Names are unique; lookups of unknown names fail with the closest registered names.
 *
 * @param <O> the options every model of the registry is built with
 * @param <M> the models it builds
 */
public final class Registry<O, M> {
  /**
   * Adds variants to a registry, one line per named variant; each model family has a
   * {@code register(...)} method taking one. The registry adds its task to the {@link ModelInfo}.
   */
  @FunctionalInterface
  public interface Registrar<O, M> {
    void add(String name, String family, String reference, int inputSize, String paper, Function<O, M> factory);
  }

  private record Entry<O, M>(ModelInfo info, Function<O, M> factory) {}

  private final Task task;
  private final Function<ModelInfo, O> defaults;
  private final Function<? super M, ? extends Module> module;
  private final Map<String, Entry<O, M>> entries = new LinkedHashMap<>();

  private Registry(Task task, Function<ModelInfo, O> defaults, Function<? super M, ? extends Module> module) {
    this.task = task;
    this.defaults = defaults;
    this.module = module;
  }

  /**
   * A registry of {@code task}, filled by {@code families} (one registry line per named variant)
   * and fixed from then on.
   *
   * @param defaults the options a model is built with when none are given (its input size, say)
   * @param module the module holding a model's parameters (the model itself for a {@link Module})
   */
  public static <O, M> Registry<O, M> of(Task task, Function<ModelInfo, O> defaults,
      Function<? super M, ? extends Module> module, Consumer<Registrar<O, M>> families) {
    Registry<O, M> r = new Registry<>(task, defaults, module);
    families.accept(r::add);
    return r;
  }

  private void add(String name, String family, String reference, int inputSize, String paper,
      Function<O, M> factory) {
    ModelInfo info = new ModelInfo(name, task, family, reference, inputSize, paper);
    if (entries.putIfAbsent(name, new Entry<>(info, factory)) != null) {
      throw new IllegalStateException(task + " model '" + name + "' registered twice");
    }
  }

  public Task task() {
    return task;
  }

  public M create(String name, O options) {
    return entry(name).factory().apply(options);
  }

  /** Builds {@code name} with the registry's default options. */
  public M create(String name) {
    return create(name, defaults.apply(info(name)));
  }

  /** Builds {@code name} with the default options and returns the module that holds its parameters. */
  public Module createModule(String name) {
    return module.apply(create(name));
  }

  public ModelInfo info(String name) {
    return entry(name).info();
  }

  public boolean contains(String name) {
    return entries.containsKey(name);
  }

  /** Every variant, in registration order (family by family). */
  public List<ModelInfo> list() {
    return entries.values().stream().map(Entry::info).toList();
  }

  /**
   * The trainable parameter count of {@code name} built with {@code options} on the {@code meta}
   * device: no memory is allocated, so this is fast even for huge models.
   */
  public long parameterCount(String name, O options) {
    Entry<O, M> e = entry(name);
    return Tensors.onDevice("meta", () -> module.apply(e.factory().apply(options)).parameterCount());
  }

  /** The trainable parameter count with the default options. */
  public long parameterCount(String name) {
    return parameterCount(name, defaults.apply(info(name)));
  }

  /** The registered names nearest to {@code name}, as {@link #closest(String, Collection, int)} orders them. */
  public List<String> closest(String name, int n) {
    return closest(name, entries.keySet(), n);
  }

  /**
   * The names nearest to {@code name}, ignoring case: prefix matches first, then by edit distance,
   * leaving out names that differ in more than a third of the characters (at least 2), which would
   * be guesses rather than corrections.
   */
  public static List<String> closest(String name, Collection<String> candidates, int n) {
    String q = name.toLowerCase(Locale.ROOT);
    int tolerance = Math.max(2, q.length() / 3);
    List<String> names = new ArrayList<>(candidates);
    names.removeIf(s -> !(prefixMatch(q, s.toLowerCase(Locale.ROOT)) || editDistance(q, s.toLowerCase(Locale.ROOT))
        <= tolerance));
    names.sort(Comparator.comparingInt((String s) -> s.equalsIgnoreCase(q) ? 0 : 1)
        .thenComparingInt(s -> prefixMatch(q, s.toLowerCase(Locale.ROOT)) ? 0 : 1)
        .thenComparingInt(s -> editDistance(q, s.toLowerCase(Locale.ROOT)))
        .thenComparing(Comparator.naturalOrder()));
    return names.subList(0, Math.min(n, names.size()));
  }

  private static boolean prefixMatch(String q, String s) {
    return q.length() >= 3 && (s.startsWith(q) || q.startsWith(s));
  }

  private Entry<O, M> entry(String name) {
    Entry<O, M> e = entries.get(name);
    if (e == null) {
      throw new UnknownModelException(name, task, closest(name, 3).stream().map(this::info).toList());
    }
    return e;
  }

  /** Levenshtein distance: insertions, deletions and substitutions of one character each cost 1. */
  static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
