package io.nets4j.analysis;

import io.nets4j.nn.Layer;
import io.nets4j.nn.MacCounter;
import io.nets4j.nn.Module;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;

/**
 * Watches one forward pass and turns every layer call into a {@link SummaryRow}: parameters,
 * MACs (type rules and {@link MacCounter} reports) and receptive fields.
 *
 * <p>Receptive fields follow the tensors: each NCHW layer output is remembered by its
 * {@code TensorImpl} address with its field, and a layer's input field is looked up by the same
 * address. Tensors made by plain tensor operations between layers — a residual sum
 * {@code out.add(identity)}, a concatenation of branches — are not layer outputs; for such an
 * input the field is approximated by the union (per-axis maximum) of the fields of all NCHW
 * tensors on the same grid (height and width) that the enclosing call has seen so far: its input
 * and its descendants' outputs. For a sum or a concatenation of branches that is exact — a position
 * sees the union of what its operands see, and the operands are the widest tensors of their
 * branches — unless an operand was made by plain operations from a narrower tensor than the
 * widest one seen. Global context (squeeze-and-excitation gates, attention) is not part of the
 * traced field.
 */
final class SummaryCollector implements Layer.ForwardObserver {
  private final String rootName;
  private final long[] macSink;
  private long macsSeen;
  private final Deque<Call> stack = new ArrayDeque<>();
  private final List<Call> calls = new ArrayList<>();
  private final Set<Layer> called = Collections.newSetFromMap(new IdentityHashMap<>());
  private final Map<Long, Traced> traced = new HashMap<>();
  private final List<Traced> produced = new ArrayList<>();

  private record Traced(long height, long width, ReceptiveField field) {}

  private static final class Call {
    final Layer layer;
    final int index;
    final int depth;
    final boolean repeated;
    final long[] inputShape;
    final ReceptiveField inputField;
    final int firstTraced;
    long ownMacs;
    long childMacs;
    long childParams;
    boolean hasChildren;
    SummaryRow row;

    Call(Layer layer, int index, int depth, boolean repeated, long[] inputShape, ReceptiveField inputField,
        int firstTraced) {
      this.layer = layer;
      this.index = index;
      this.depth = depth;
      this.repeated = repeated;
      this.inputShape = inputShape;
      this.inputField = inputField;
      this.firstTraced = firstTraced;
    }
  }

  SummaryCollector(String rootName, long[] macSink) {
    this.rootName = rootName;
    this.macSink = macSink;
  }

  @Override
  public void before(Layer layer, Tensor input) {
    attributeReportedMacs();
    if (stack.isEmpty()) {
      trace(input, ReceptiveField.INPUT);
    }
    ReceptiveField inputField = fieldOf(input, stack.isEmpty() ? 0 : stack.peek().firstTraced);
    if (!stack.isEmpty()) {
      stack.peek().hasChildren = true;
    }
    Call call = new Call(layer, calls.size(), stack.size(), !called.add(layer), shape(input), inputField, produced.size());
    trace(input, inputField);
    calls.add(call);
    stack.push(call);
  }

  @Override
  public void after(Layer layer, Tensor input, Tensor output) {
    attributeReportedMacs();
    Call call = stack.pop();
    call.ownMacs = Math.addExact(call.ownMacs, LayerRules.macsOf(layer, input, output));
    boolean leaf = !call.hasChildren;
    boolean spatial = LayerRules.hasWindow(layer);
    ReceptiveField field = null;
    if (isNchw(output)) {
      field = leaf ? leafField(call, layer, input, output) : fieldOf(output, call.firstTraced);
      trace(output, field);
    }
    long paramsTotal = parameterCount(layer);
    long macsTotal = Math.addExact(call.ownMacs, call.childMacs);
    boolean showsField = spatial || !leaf;
    call.row = new SummaryRow(call.index, call.depth, pathOf(call), layer.typeName(), call.inputShape,
        shape(output), call.repeated ? 0 : paramsTotal - call.childParams, paramsTotal, call.ownMacs, macsTotal,
        output.numel() * output.element_size(), leaf, call.repeated, spatial, showsField ? field : null);
    Call parent = stack.peek();
    if (parent != null) {
      parent.childMacs = Math.addExact(parent.childMacs, macsTotal);
      if (!call.repeated && isWithin(layer, parent.layer)) {
        parent.childParams += paramsTotal;
      }
    }
  }

  /** The rows in call order; only valid after the pass completed. */
  List<SummaryRow> rows() {
    if (!stack.isEmpty() || calls.isEmpty()) {
      throw new IllegalStateException("the forward pass did not complete");
    }
    return calls.stream().map(c -> c.row).toList();
  }

  private static ReceptiveField leafField(Call call, Layer layer, Tensor input, Tensor output) {
    Window w = LayerRules.windowOf(layer, input, output);
    if (w != null) {
      return call.inputField == null ? null : call.inputField.through(w);
    }
    // A leaf without a window that keeps the grid works per position (norms, activations, 1x1 maps).
    boolean sameGrid = isNchw(input) && input.size(2) == output.size(2) && input.size(3) == output.size(3);
    return sameGrid ? call.inputField : null;
  }

  private void attributeReportedMacs() {
    long now = macSink[0];
    if (!stack.isEmpty()) {
      Call top = stack.peek();
      top.ownMacs = Math.addExact(top.ownMacs, now - macsSeen);
    }
    macsSeen = now;
  }

  /**
   * The field of {@code t}: its own if it is a traced tensor, else the union of those traced since
   * {@code firstTraced} on the same grid (see the class comment).
   */
  private ReceptiveField fieldOf(Tensor t, int firstTraced) {
    if (!isNchw(t)) {
      return null;
    }
    long h = t.size(2);
    long w = t.size(3);
    Traced known = traced.get(address(t));
    if (known != null && known.height == h && known.width == w) {
      return known.field;
    }
    ReceptiveField union = null;
    for (int i = firstTraced; i < produced.size(); i++) {
      Traced c = produced.get(i);
      if (c.height == h && c.width == w && c.field != null) {
        union = union == null ? c.field : union.union(c.field);
      }
    }
    return union;
  }

  private void trace(Tensor t, ReceptiveField field) {
    if (field == null || !isNchw(t)) {
      return;
    }
    Traced entry = new Traced(t.size(2), t.size(3), field);
    traced.put(address(t), entry);
    produced.add(entry);
  }

  private String pathOf(Call call) {
    if (call.depth == 0) {
      return rootName;
    }
    String p = call.layer.path();
    return p.isEmpty() ? "<unregistered>" : p;
  }

  private static boolean isWithin(Module m, Module ancestor) {
    for (Module p = m.parent(); p != null; p = p.parent()) {
      if (p == ancestor) {
        return true;
      }
    }
    return false;
  }

  /** Parameters of a module's subtree, each tensor counted once (tied weights). */
  static long parameterCount(Module m) {
    Set<Long> seen = new HashSet<>();
    long n = 0;
    for (Tensor p : m.namedParameters().values()) {
      if (seen.add(address(p))) {
        n += p.numel();
      }
    }
    return n;
  }

  static long address(Tensor t) {
    return t.unsafeGetTensorImpl().address();
  }

  private static boolean isNchw(Tensor t) {
    return t.dim() == 4;
  }

  private static long[] shape(Tensor t) {
    return t.sizes().vec().get();
  }
}
