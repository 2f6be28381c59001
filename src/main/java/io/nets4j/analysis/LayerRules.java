package io.nets4j.analysis;

import io.nets4j.nn.AdaptiveAvgPool2d;
import io.nets4j.nn.AvgPool2d;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.ConvTranspose2d;
import io.nets4j.nn.GroupNorm;
import io.nets4j.nn.Layer;
import io.nets4j.nn.LayerNorm;
import io.nets4j.nn.Linear;
import io.nets4j.nn.MacCounter;
import io.nets4j.nn.MaxPool2d;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.pytorch.Tensor;

/**
 * What {@link ModelSummary} knows of each layer type: how many multiply-accumulates (MACs) one call
 * costs, and, for sliding-window layers, the {@link Window} that makes the receptive field grow.
 * Rules are looked up by the layer's class, then its superclasses; a type without a MAC rule costs
 * nothing (activations, dropout, reshapes, containers — their children are counted instead).
 *
 * <p>Built-in MAC rules (the convention of fvcore and of torchvision's published GFLOPS: one MAC
 * per weight multiplication; bias additions are not counted):
 * <ul>
 *   <li>{@code Conv2d}: {@code numel(output) * in/groups * kh * kw};
 *   <li>{@code ConvTranspose2d}: {@code numel(input) * out/groups * kh * kw} (every input pixel is
 *       scattered through the whole kernel);
 *   <li>{@code Linear}: {@code numel(output) * in_features}, whatever the leading dimensions;
 *   <li>{@code BatchNorm2d}, {@code LayerNorm}, {@code GroupNorm}: {@code numel(output)} — one
 *       multiply-add per element, the scale-and-shift {@code x * a + b} that normalisation is at
 *       inference (the reductions computing LayerNorm/GroupNorm statistics are not counted);
 *   <li>pooling, activations, dropout: 0.
 * </ul>
 * Built-in windows: {@code Conv2d}, {@code ConvTranspose2d} (its stride is recovered from the input
 * and output sizes, as the layer does not expose its spec), {@code MaxPool2d}, {@code AvgPool2d},
 * {@code AdaptiveAvgPool2d} (stride {@code floor(in/out)}, kernel the widest of its windows).
 *
 * <p>A new layer type registers its rules once, e.g. from its family's static initialiser:
 * {@code LayerRules.macs(Conv1d.class, (l, in, out) -> out.numel() * l.weight().size(1) * l.weight().size(2))}.
 * MACs that no per-type rule can see (attention's matrix products) are reported with
 * {@link MacCounter} instead.
 */
public final class LayerRules {
  /** The MACs of one call of a layer of type {@code L}. */
  @FunctionalInterface
  public interface MacRule<L extends Layer> {
    long macs(L layer, Tensor input, Tensor output);
  }

  /** The window of one call of a sliding-window layer of type {@code L}. */
  @FunctionalInterface
  public interface WindowRule<L extends Layer> {
    Window window(L layer, Tensor input, Tensor output);
  }

  private static final Map<Class<?>, MacRule<Layer>> MAC_RULES = new ConcurrentHashMap<>();
  private static final Map<Class<?>, WindowRule<Layer>> WINDOW_RULES = new ConcurrentHashMap<>();

  static {
    macs(Conv2d.class, (l, in, out) -> out.numel() * kernelVolume(l.weight()));
    macs(ConvTranspose2d.class, (l, in, out) -> in.numel() * kernelVolume(l.weight()));
    macs(Linear.class, (l, in, out) -> out.numel() * l.inFeatures());
    macs(BatchNorm2d.class, (l, in, out) -> out.numel());
    macs(LayerNorm.class, (l, in, out) -> out.numel());
    macs(GroupNorm.class, (l, in, out) -> out.numel());

    window(Conv2d.class, (l, in, out) -> {
      ConvSpec s = l.spec();
      return new Window(s.kernelH(), s.kernelW(), s.strideH(), s.strideW(), s.dilationH(), s.dilationW(), false);
    });
    window(ConvTranspose2d.class, (l, in, out) -> {
      int kh = (int) l.weight().size(2);
      int kw = (int) l.weight().size(3);
      return new Window(kh, kw, transposedStride(in.size(2), out.size(2), kh),
          transposedStride(in.size(3), out.size(3), kw), 1, 1, true);
    });
    window(MaxPool2d.class, (l, in, out) -> Window.square(l.kernel(), l.stride()));
    window(AvgPool2d.class, (l, in, out) -> Window.square(l.kernel(), l.stride()));
    window(AdaptiveAvgPool2d.class, (l, in, out) -> {
      long inH = in.size(2);
      long inW = in.size(3);
      return new Window(adaptiveKernel(inH, l.outH()), adaptiveKernel(inW, l.outW()),
          (int) Math.max(1, inH / l.outH()), (int) Math.max(1, inW / l.outW()), 1, 1, false);
    });
  }

  private LayerRules() {}

  /** Sets the MAC rule of {@code type} (and of its subclasses that have no rule of their own). */
  @SuppressWarnings("unchecked")
  public static <L extends Layer> void macs(Class<L> type, MacRule<? super L> rule) {
    MAC_RULES.put(type, (MacRule<Layer>) rule);
  }

  /** Sets the window rule of the sliding-window layer type {@code type}. */
  @SuppressWarnings("unchecked")
  public static <L extends Layer> void window(Class<L> type, WindowRule<? super L> rule) {
    WINDOW_RULES.put(type, (WindowRule<Layer>) rule);
  }

  /** The MACs of one call of {@code layer}; 0 for a type without a rule. */
  static long macsOf(Layer layer, Tensor input, Tensor output) {
    MacRule<Layer> rule = lookup(MAC_RULES, layer.getClass());
    return rule == null ? 0 : rule.macs(layer, input, output);
  }

  /** Whether {@code layer} is a sliding-window layer. */
  static boolean hasWindow(Layer layer) {
    return lookup(WINDOW_RULES, layer.getClass()) != null;
  }

  /** The window of one call of {@code layer}, or {@code null} if it is not a sliding-window layer. */
  static Window windowOf(Layer layer, Tensor input, Tensor output) {
    WindowRule<Layer> rule = lookup(WINDOW_RULES, layer.getClass());
    return rule == null ? null : rule.window(layer, input, output);
  }

  private static <R> R lookup(Map<Class<?>, R> rules, Class<?> type) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      R rule = rules.get(c);
      if (rule != null) {
        return rule;
      }
    }
    return null;
  }

  /** {@code in/groups * kh * kw} for a convolution, {@code out/groups * kh * kw} for a transposed one. */
  private static long kernelVolume(Tensor weight) {
    return weight.size(1) * weight.size(2) * weight.size(3);
  }

  /**
   * The stride of a transposed convolution, from {@code out = (in - 1) s - 2 p + k + op}: the
   * padding terms are smaller than {@code in - 1} in practice, so rounding up recovers {@code s}.
   */
  static int transposedStride(long in, long out, int kernel) {
    if (in <= 1) {
      return (int) Math.max(1, Math.round((double) out / Math.max(in, 1)));
    }
    return (int) Math.max(1, -Math.floorDiv(-(out - kernel), in - 1));
  }

  /** The widest window of adaptive pooling from {@code in} to {@code out} positions. */
  static int adaptiveKernel(long in, long out) {
    long widest = 1;
    for (long i = 0; i < out; i++) {
      long start = Math.floorDiv(i * in, out);
      long end = -Math.floorDiv(-(i + 1) * in, out);
      widest = Math.max(widest, end - start);
    }
    return (int) widest;
  }
}
