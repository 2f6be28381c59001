package io.nets4j.io;

import io.nets4j.nn.Nets4jException;
import io.nets4j.tensor.DType;
import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A pickle reader that builds data and never code: it allows the globals, calls and BUILDs that
 * PyTorch's restricted unpickler ({@code torch.load(weights_only=True)},
 * {@code torch/_weights_only_unpickler.py}) allows, and refuses, at the opcode that names it and
 * before any tensor data is read, every other global, call or object construction. Nothing is
 * looked up by name; an allowed global becomes a {@link Global} token whose behaviour is defined
 * here. Beyond torch's opcode list it also reads the data-only opcodes of protocols 3 to 5
 * (bytes, short strings, FRAME, MEMOIZE, STACK_GLOBAL under the same allow-list), which
 * {@code torch.save(..., pickle_protocol=4)} writes.
 *
 * <p>Python values become: {@code None} null, bool {@link Boolean}, int {@link Long} (or
 * {@link BigInteger} when larger), float {@link Double}, str {@link String}, bytes {@code byte[]},
 * tuple {@link Tuple}, list {@link ArrayList}, dict {@link LinkedHashMap} ({@link OrderedDict} for
 * {@code collections.OrderedDict}), set {@link LinkedHashSet}, a storage whatever the persistent
 * loader returns ({@link Storage}), a tensor or parameter {@link TensorRef}.
 *
 * <p>Reading is iterative (no recursion on nesting) and bounded: every length is checked against
 * the bytes left, and a pickle that performs more than {@link #MAX_OPERATIONS} operations is
 * refused, so that corrupt or hostile input ends in a {@link PyTorchFileException}, not an
 * out-of-memory error. Opcodes are those of protocols 2 to 5 (pickle.py, PEP 3154, PEP 574),
 * without the text opcodes of protocol 0 and without extension registries or out-of-band buffers.
 */
final class TorchUnpickler {
  /** The most opcodes one pickle may run; a large model's state_dict pickle runs about 20 per tensor. */
  static final int MAX_OPERATIONS = 4_000_000;

  /** A tuple: immutable, and hashable when its items are scalars. */
  record Tuple(List<Object> items) {
    Tuple {
      items = Collections.unmodifiableList(new ArrayList<>(items));
    }

    int size() {
      return items.size();
    }

    Object get(int i) {
      return items.get(i);
    }
  }

  /** A module-level name the pickle imports, allowed by {@link #KINDS}. */
  record Global(String module, String name, Kind kind) {
    String path() {
      return module + "." + name;
    }
  }

  /** {@code collections.OrderedDict}, which BUILD may give attributes (a state_dict's {@code _metadata}). */
  static final class OrderedDict extends LinkedHashMap<Object, Object> {}

  /**
   * A typed storage: {@code numel} elements of {@code dtype} starting {@code offset} elements into
   * the data saved under {@code key}.
   */
  record Storage(String key, DType dtype, long offset, long numel) {}

  /** A tensor as {@code _rebuild_tensor_v2} describes it: a strided view of a storage. */
  record TensorRef(Storage storage, long offset, long[] size, long[] stride) {}

  /** A complex number ({@code builtins.complex}). */
  record Complex(double real, double imaginary) {}

  /** Turns a persistent id (BINPERSID) into a storage; the format of the id depends on the file. */
  interface PersistentLoader {
    Object load(Tuple id);
  }

  /** What an allowed global is, and so what REDUCE, NEWOBJ and BUILD may do with it. */
  enum Kind {
    ORDERED_DICT, COUNTER, SET, BYTEARRAY, COMPLEX, ENCODE, SIZE, DEVICE, LAYOUT,
    REBUILD_TENSOR, REBUILD_TENSOR_V2, REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE, REBUILD_FROM_TYPE_V2,
    TENSOR_CLASS, PARAMETER_CLASS, DTYPE, STORAGE_TYPE, QSCHEME,
    /** allowed by torch's restricted unpickler, but for tensors nets4j does not read (sparse, quantized, ...) */
    UNSUPPORTED_TENSOR
  }

  /** The storage classes of {@code torch.save}, with the element types nets4j reads. */
  static final Map<String, DType> STORAGE_TYPES = Map.ofEntries(
      Map.entry("FloatStorage", DType.FLOAT32), Map.entry("DoubleStorage", DType.FLOAT64),
      Map.entry("HalfStorage", DType.FLOAT16), Map.entry("BFloat16Storage", DType.BFLOAT16),
      Map.entry("LongStorage", DType.INT64), Map.entry("IntStorage", DType.INT32),
      Map.entry("ShortStorage", DType.INT16), Map.entry("CharStorage", DType.INT8),
      Map.entry("ByteStorage", DType.UINT8), Map.entry("BoolStorage", DType.BOOL));

  /** Storage classes torch allows but nets4j has no element type for. */
  private static final List<String> OTHER_STORAGE_TYPES = List.of("ComplexFloatStorage", "ComplexDoubleStorage",
      "QInt8Storage", "QUInt8Storage", "QInt32Storage", "QUInt4x2Storage", "QUInt2x4Storage", "UntypedStorage",
      "TypedStorage");

  /** Every global this reader accepts, by {@code module.name} (torch's {@code _get_allowed_globals}). */
  static final Map<String, Kind> KINDS = allowedGlobals();

  private static Map<String, Kind> allowedGlobals() {
    Map<String, Kind> k = new HashMap<>();
    k.put("collections.OrderedDict", Kind.ORDERED_DICT);
    k.put("collections.Counter", Kind.COUNTER);
    k.put("builtins.set", Kind.SET);
    k.put("builtins.bytearray", Kind.BYTEARRAY);
    k.put("builtins.complex", Kind.COMPLEX);
    k.put("_codecs.encode", Kind.ENCODE);
    k.put("torch.Size", Kind.SIZE);
    k.put("torch.device", Kind.DEVICE);
    k.put("torch.serialization._get_layout", Kind.LAYOUT);
    k.put("torch.Tensor", Kind.TENSOR_CLASS);
    k.put("torch.nn.parameter.Parameter", Kind.PARAMETER_CLASS);
    k.put("torch._utils._rebuild_tensor", Kind.REBUILD_TENSOR);
    k.put("torch._utils._rebuild_tensor_v2", Kind.REBUILD_TENSOR_V2);
    k.put("torch._utils._rebuild_parameter", Kind.REBUILD_PARAMETER);
    k.put("torch._utils._rebuild_parameter_with_state", Kind.REBUILD_PARAMETER_WITH_STATE);
    k.put("torch._tensor._rebuild_from_type_v2", Kind.REBUILD_FROM_TYPE_V2);
    for (String f : List.of("_rebuild_qtensor", "_rebuild_tensor_v3", "_rebuild_sparse_tensor",
        "_rebuild_meta_tensor_no_storage", "_rebuild_wrapper_subclass", "_rebuild_device_tensor_from_numpy",
        "_rebuild_device_tensor_from_cpu_tensor", "_rebuild_nested_tensor", "_rebuild_sparse_csr_tensor")) {
      k.put("torch._utils." + f, Kind.UNSUPPORTED_TENSOR);
    }
    STORAGE_TYPES.keySet().forEach(s -> k.put("torch." + s, Kind.STORAGE_TYPE));
    OTHER_STORAGE_TYPES.forEach(s -> k.put("torch." + s, Kind.UNSUPPORTED_TENSOR));
    for (String t : List.of("float32", "float", "float64", "double", "float16", "half", "bfloat16", "int64", "long",
        "int32", "int", "int16", "short", "int8", "uint8", "bool", "complex64", "complex128", "cfloat", "cdouble",
        "qint8", "quint8", "qint32", "quint4x2", "float8_e4m3fn", "float8_e5m2", "uint16", "uint32", "uint64",
        "int1", "int2", "int3", "int4", "int5", "int6", "int7", "uint1", "uint2", "uint3", "uint4", "uint5",
        "uint6", "uint7")) {
      k.put("torch." + t, Kind.DTYPE);
    }
    for (String t : List.of("Float", "Double", "Half", "BFloat16", "Long", "Int", "Short", "Char", "Byte", "Bool")) {
      k.put("torch." + t + "Tensor", Kind.TENSOR_CLASS);
    }
    for (String q : List.of("per_tensor_affine", "per_tensor_symmetric", "per_channel_affine",
        "per_channel_symmetric", "per_channel_affine_float_qparams")) {
      k.put("torch." + q, Kind.QSCHEME);
    }
    return Map.copyOf(k);
  }

  /** Python 2 module names that pickle maps to their Python 3 names (pickle's IMPORT_MAPPING). */
  private static final Map<String, String> PYTHON2_MODULES = Map.of("__builtin__", "builtins", "copy_reg", "copyreg");

  private final ByteBuffer in;
  private final String fileName;
  private final String part;
  private final PersistentLoader loader;
  private final List<Object> stack = new ArrayList<>();
  /** The stack heights at which the open MARKs were set, innermost last (pickle's metastack). */
  private int[] marks = new int[16];
  private int markCount;
  private final Map<Long, Object> memo = new HashMap<>();
  private int opcodeAt;

  private TorchUnpickler(ByteBuffer in, String fileName, String part, PersistentLoader loader) {
    this.in = in.order(ByteOrder.LITTLE_ENDIAN);
    this.fileName = fileName;
    this.part = part;
    this.loader = loader;
  }

  /**
   * Reads one pickle from {@code in}'s position up to and including its STOP opcode, leaving the
   * position after it.
   *
   * @param part what is being read, for messages ({@code data.pkl}, {@code the main pickle})
   * @param loader resolves persistent ids, or {@code null} if the pickle may have none
   */
  static Object load(ByteBuffer in, String fileName, String part, PersistentLoader loader) {
    TorchUnpickler u = new TorchUnpickler(in, fileName, part, loader);
    try {
      return u.run();
    } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
      throw u.endOfInput("the pickle ends inside an opcode (truncated?)");
    } catch (Nets4jException e) {
      throw e;
    } catch (RuntimeException e) {
      // a defect of this reader rather than of the file, reported with the position all the same
      throw new PyTorchFileException(fileName, part + " at byte " + u.opcodeAt + ": cannot be read (" + e + ")", e);
    }
  }

  private Object run() {
    int base = in.position();
    for (int operations = 0; ; operations++) {
      if (operations >= MAX_OPERATIONS) {
        throw fail("more than " + MAX_OPERATIONS + " pickle operations; refused (a state_dict needs far fewer)");
      }
      if (!in.hasRemaining()) {
        throw endOfInput("the pickle ends without a STOP opcode (truncated?)");
      }
      opcodeAt = in.position() - base;
      int op = in.get() & 0xFF;
      switch (op) {
        case 0x80 -> { // PROTO
          int version = in.get() & 0xFF;
          if (version > 5) {
            throw fail("pickle protocol " + version + " is newer than 5");
          }
        }
        case 0x95 -> in.getLong(); // FRAME: a length hint only
        case '.' -> { // STOP
          return pop();
        }
        case '(' -> { // MARK
          if (markCount == marks.length) {
            marks = Arrays.copyOf(marks, markCount * 2);
          }
          marks[markCount++] = stack.size();
        }
        case '0' -> { // POP: a value, or the MARK on top
          if (stack.size() > markHeight()) {
            stack.remove(stack.size() - 1);
          } else {
            popMark();
          }
        }
        case '1' -> popMark(); // POP_MARK
        case '2' -> push(peek()); // DUP
        case 'N' -> push(null);
        case 0x88 -> push(Boolean.TRUE);
        case 0x89 -> push(Boolean.FALSE);
        case 'J' -> push((long) in.getInt()); // BININT
        case 'K' -> push((long) (in.get() & 0xFF)); // BININT1
        case 'M' -> push((long) (in.getShort() & 0xFFFF)); // BININT2
        case 0x8a -> push(decodeLong(bytes(in.get() & 0xFF))); // LONG1
        case 0x8b -> push(decodeLong(bytes(length(in.getInt() & 0xFFFFFFFFL)))); // LONG4
        case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(in.getLong()))); // BINFLOAT, big-endian
        case 'X' -> push(utf8(bytes(length(in.getInt() & 0xFFFFFFFFL)))); // BINUNICODE
        case 0x8c -> push(utf8(bytes(in.get() & 0xFF))); // SHORT_BINUNICODE
        case 0x8d -> push(utf8(bytes(length(in.getLong())))); // BINUNICODE8
        case 'U' -> push(utf8(bytes(in.get() & 0xFF))); // SHORT_BINSTRING (Python 2 str, read as torch.load does)
        case 'T' -> push(utf8(bytes(length(in.getInt() & 0xFFFFFFFFL)))); // BINSTRING
        case 'C' -> push(bytes(in.get() & 0xFF)); // SHORT_BINBYTES
        case 'B' -> push(bytes(length(in.getInt() & 0xFFFFFFFFL))); // BINBYTES
        case 0x8e, 0x96 -> push(bytes(length(in.getLong()))); // BINBYTES8, BYTEARRAY8
        case ')' -> push(new Tuple(List.of()));
        case ']' -> push(new ArrayList<>());
        case '}' -> push(new LinkedHashMap<>());
        case 0x8f -> push(new LinkedHashSet<>()); // EMPTY_SET
        case 't' -> push(new Tuple(popMark()));
        case 0x85 -> push(new Tuple(popN(1)));
        case 0x86 -> push(new Tuple(popN(2)));
        case 0x87 -> push(new Tuple(popN(3)));
        case 'l' -> push(new ArrayList<>(popMark())); // LIST
        case 'd' -> { // DICT
          Map<Object, Object> d = new LinkedHashMap<>();
          putAll(d, popMark(), "DICT");
          push(d);
        }
        case 0x91 -> { // FROZENSET
          Set<Object> s = new LinkedHashSet<>();
          addAll(s, popMark());
          push(Collections.unmodifiableSet(s));
        }
        case 'a' -> { // APPEND
          Object item = pop();
          list(peek(), "APPEND").add(item);
        }
        case 'e' -> { // APPENDS
          List<Object> items = popMark();
          list(peek(), "APPENDS").addAll(items);
        }
        case 's' -> { // SETITEM
          Object value = pop();
          Object key = pop();
          putAll(dict(peek(), "SETITEM"), Arrays.asList(key, value), "SETITEM");
        }
        case 'u' -> { // SETITEMS
          List<Object> items = popMark();
          putAll(dict(peek(), "SETITEMS"), items, "SETITEMS");
        }
        case 0x90 -> { // ADDITEMS
          List<Object> items = popMark();
          if (!(peek() instanceof LinkedHashSet<?>)) {
            throw fail("ADDITEMS on " + typeName(peek()) + " (only a set takes items)");
          }
          @SuppressWarnings("unchecked")
          Set<Object> s = (Set<Object>) peek();
          addAll(s, items);
        }
        case 'q' -> memo.put((long) (in.get() & 0xFF), peek());
        case 'r' -> memo.put(in.getInt() & 0xFFFFFFFFL, peek());
        case 0x94 -> memo.put((long) memo.size(), peek());
        case 'h' -> push(memoGet(in.get() & 0xFF));
        case 'j' -> push(memoGet(in.getInt() & 0xFFFFFFFFL));
        case 'c' -> push(global(line(), line(), "GLOBAL")); // GLOBAL
        case 0x93 -> { // STACK_GLOBAL
          Object name = pop();
          Object module = pop();
          if (!(module instanceof String m) || !(name instanceof String n)) {
            throw fail("STACK_GLOBAL needs two strings, got " + typeName(module) + " and " + typeName(name));
          }
          push(global(m, n, "STACK_GLOBAL"));
        }
        case 'R' -> { // REDUCE
          Object args = pop();
          Object callable = pop();
          push(reduce(callable, args));
        }
        case 0x81 -> { // NEWOBJ
          Object args = pop();
          Object cls = pop();
          push(newObject(cls, args, "NEWOBJ"));
        }
        case 0x92 -> { // NEWOBJ_EX
          Object kwargs = pop();
          Object args = pop();
          Object cls = pop();
          if (!(kwargs instanceof Map<?, ?> m) || !m.isEmpty()) {
            throw fail("NEWOBJ_EX with keyword arguments on " + describeCallable(cls) + " is refused");
          }
          push(newObject(cls, args, "NEWOBJ_EX"));
        }
        case 'b' -> { // BUILD
          Object state = pop();
          build(peek(), state);
        }
        case 'Q' -> { // BINPERSID
          Object id = pop();
          if (loader == null) {
            throw fail("a persistent id where none belongs");
          }
          if (!(id instanceof Tuple t) || t.size() == 0 || !"storage".equals(t.get(0))) {
            throw fail("persistent id " + typeName(id) + " is not a ('storage', ...) tuple; refused");
          }
          push(loader.load(t));
        }
        case 'i' -> throw refused("INST opcode (it creates an instance of " + line() + "." + line() + ")");
        case 'o' -> throw refused("OBJ opcode (it creates an instance of a class on the stack)");
        case 0x82, 0x83, 0x84 -> throw refused("EXT opcode (it imports a global through the copyreg registry)");
        case 0x97, 0x98 -> throw fail("out-of-band buffers (protocol 5 NEXT_BUFFER/READONLY_BUFFER) are not supported");
        case 'P', 'I', 'L', 'F', 'S', 'V', 'p', 'g' ->
            throw fail("text opcode '" + (char) op + "' of pickle protocol 0 is not supported (torch.save writes protocol 2)");
        default -> throw fail(String.format("unknown pickle opcode 0x%02x", op));
      }
    }
  }

  // --- globals and what they may do

  private Global global(String module, String name, String opcode) {
    String m = PYTHON2_MODULES.getOrDefault(module, module);
    String path = m + "." + name;
    Kind kind = KINDS.get(path);
    if (kind == null) {
      throw refused(opcode + " imports " + path + ", which torch.load(weights_only=True) does not allow either");
    }
    return new Global(m, name, kind);
  }

  private Object reduce(Object callable, Object args) {
    if (!(callable instanceof Global g)) {
      throw refused("REDUCE calls " + describeCallable(callable) + ", which is not an allowed function");
    }
    Tuple a = tuple(args, "the arguments of " + g.path());
    return call(g, a);
  }

  private Object call(Global g, Tuple a) {
    return switch (g.kind()) {
      case ORDERED_DICT, COUNTER -> {
        Map<Object, Object> d = g.kind() == Kind.ORDERED_DICT ? new OrderedDict() : new LinkedHashMap<>();
        if (a.size() == 1 && a.get(0) instanceof Map<?, ?> init) {
          putAll(d, flatten(init), g.path());
        } else if (a.size() != 0) {
          throw fail(g.path() + " with " + a.size() + " arguments is not supported");
        }
        yield d;
      }
      case SET -> {
        Set<Object> s = new LinkedHashSet<>();
        if (a.size() == 1 && a.get(0) instanceof List<?> items) {
          addAll(s, new ArrayList<>(items));
        } else if (a.size() != 0) {
          throw fail("builtins.set with " + a.size() + " arguments is not supported");
        }
        yield s;
      }
      case BYTEARRAY -> {
        if (a.size() == 0) {
          yield new byte[0];
        }
        if (a.get(0) instanceof byte[] b) {
          yield b.clone();
        }
        if (a.size() == 2 && a.get(0) instanceof String s && a.get(1) instanceof String e) {
          yield encode(s, e);
        }
        throw fail("builtins.bytearray of " + typeName(a.get(0)) + " is not supported");
      }
      case COMPLEX -> new Complex(a.size() > 0 ? number(a.get(0)) : 0, a.size() > 1 ? number(a.get(1)) : 0);
      case ENCODE -> {
        expect(g, a, 2);
        if (!(a.get(0) instanceof String s) || !(a.get(1) instanceof String e)) {
          throw fail("_codecs.encode needs a string and an encoding");
        }
        yield encode(s, e);
      }
      case SIZE -> {
        expect(g, a, 1);
        Tuple dims = tuple(a.get(0), "torch.Size's argument");
        for (Object d : dims.items()) {
          toLong(d, "a dimension of torch.Size");
        }
        yield dims;
      }
      case DEVICE, LAYOUT -> {
        if (a.size() == 0 || !(a.get(0) instanceof String s)) {
          throw fail(g.path() + " needs a string");
        }
        yield s;
      }
      case REBUILD_TENSOR, REBUILD_TENSOR_V2 -> {
        // (storage, storage_offset, size, stride[, requires_grad, backward_hooks[, metadata]])
        if (a.size() < 4 || a.size() > 7) {
          throw fail(g.path() + " with " + a.size() + " arguments");
        }
        if (!(a.get(0) instanceof Storage storage)) {
          throw fail(g.path() + ": its first argument is " + typeName(a.get(0)) + ", not a storage");
        }
        long offset = toLong(a.get(1), "a storage offset");
        long[] size = longs(a.get(2), "a tensor size");
        long[] stride = longs(a.get(3), "a tensor stride");
        yield new TensorRef(storage, offset, size, stride);
      }
      case REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE -> {
        // (data, requires_grad, backward_hooks[, state])
        if (a.size() < 1 || !(a.get(0) instanceof TensorRef t)) {
          throw fail(g.path() + " needs a tensor as its first argument");
        }
        yield t;
      }
      case REBUILD_FROM_TYPE_V2 -> {
        // (func, new_type, args, state): a tensor with Python attributes, rebuilt by func(*args)
        if (a.size() != 4 || !(a.get(0) instanceof Global func) || !(a.get(1) instanceof Global type)) {
          throw fail(g.path() + " needs (function, type, arguments, state)");
        }
        if (type.kind() != Kind.TENSOR_CLASS && type.kind() != Kind.PARAMETER_CLASS) {
          throw fail(g.path() + " of type " + type.path() + " is not supported");
        }
        if (func.kind() == Kind.REBUILD_FROM_TYPE_V2) {
          throw fail(g.path() + " nested in itself");
        }
        Object t = call(func, tuple(a.get(2), "the arguments of " + func.path()));
        if (!(t instanceof TensorRef)) {
          throw fail(g.path() + ": " + func.path() + " did not give a tensor");
        }
        yield t;
      }
      case UNSUPPORTED_TENSOR -> throw fail("uses " + g.path() + " (tensors of a kind nets4j does not read:"
          + " sparse, quantized, complex, meta, subclassed or of another element type)");
      case TENSOR_CLASS, PARAMETER_CLASS, DTYPE, STORAGE_TYPE, QSCHEME ->
          throw refused("REDUCE calls " + g.path() + ", which nets4j does not call");
    };
  }

  private Object newObject(Object cls, Object args, String opcode) {
    if (!(cls instanceof Global g)) {
      throw refused(opcode + " on " + describeCallable(cls) + ", which is not an allowed class");
    }
    Tuple a = tuple(args, "the arguments of " + g.path());
    return switch (g.kind()) {
      case ORDERED_DICT -> new OrderedDict();
      case COUNTER -> new LinkedHashMap<>();
      case SET -> new LinkedHashSet<>();
      case PARAMETER_CLASS -> {
        if (a.size() < 1 || !(a.get(0) instanceof TensorRef t)) {
          throw fail(opcode + " on " + g.path() + " needs a tensor");
        }
        yield t;
      }
      default -> throw refused(opcode + " creates an instance of " + g.path() + ", which nets4j does not create");
    };
  }

  private void build(Object target, Object state) {
    // torch applies BUILD to Tensor, Parameter and OrderedDict only; for an OrderedDict the state is
    // its attribute dict (a state_dict's _metadata), which nets4j does not need
    if (!(target instanceof OrderedDict)) {
      throw refused("BUILD sets the state of " + typeName(target) + " (only an OrderedDict takes a state here)");
    }
    if (!(state instanceof Map<?, ?>) && !(state instanceof Tuple t && t.size() == 2)) {
      throw fail("BUILD on an OrderedDict with " + typeName(state) + " as state");
    }
  }

  // --- stack and memo

  private void push(Object value) {
    stack.add(value);
  }

  /** Pops a value; a MARK is not one. */
  private Object pop() {
    Object top = peek();
    stack.remove(stack.size() - 1);
    return top;
  }

  /** The value on top of the stack, above the innermost MARK. */
  private Object peek() {
    if (stack.size() <= markHeight()) {
      throw fail(stack.isEmpty() ? "the pickle reads from an empty stack" : "the pickle reads past a MARK");
    }
    return stack.get(stack.size() - 1);
  }

  private int markHeight() {
    return markCount == 0 ? 0 : marks[markCount - 1];
  }

  /** Pops the values above the topmost MARK, and the MARK. */
  private List<Object> popMark() {
    if (markCount == 0) {
      throw fail("no MARK on the stack");
    }
    int mark = marks[--markCount];
    List<Object> items = new ArrayList<>(stack.subList(mark, stack.size()));
    stack.subList(mark, stack.size()).clear();
    return items;
  }

  private List<Object> popN(int n) {
    if (stack.size() - markHeight() < n) {
      throw fail("the pickle pops " + n + " values from a stack of " + (stack.size() - markHeight()));
    }
    List<Object> items = new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
    stack.subList(stack.size() - n, stack.size()).clear();
    return items;
  }

  private Object memoGet(long index) {
    if (!memo.containsKey(index)) {
      throw fail("memo entry " + index + " is read before it is written");
    }
    return memo.get(index);
  }

  // --- containers

  @SuppressWarnings("unchecked")
  private List<Object> list(Object target, String opcode) {
    if (!(target instanceof ArrayList<?>)) {
      throw fail(opcode + " on " + typeName(target) + " (only a list takes items)");
    }
    return (List<Object>) target;
  }

  @SuppressWarnings("unchecked")
  private Map<Object, Object> dict(Object target, String opcode) {
    if (!(target instanceof LinkedHashMap<?, ?>)) {
      throw fail(opcode + " on " + typeName(target) + " (only a dict takes items)");
    }
    return (Map<Object, Object>) target;
  }

  private void putAll(Map<Object, Object> d, List<Object> keysAndValues, String opcode) {
    if (keysAndValues.size() % 2 != 0) {
      throw fail(opcode + " with an odd number of keys and values");
    }
    for (int i = 0; i < keysAndValues.size(); i += 2) {
      d.put(hashable(keysAndValues.get(i), opcode), keysAndValues.get(i + 1));
    }
  }

  private void addAll(Set<Object> s, List<Object> items) {
    for (Object o : items) {
      s.add(hashable(o, "a set"));
    }
  }

  private static List<Object> flatten(Map<?, ?> m) {
    List<Object> out = new ArrayList<>();
    m.forEach((k, v) -> {
      out.add(k);
      out.add(v);
    });
    return out;
  }

  /**
   * {@code key} if it may be a dict key or set element: a scalar, or a tuple of scalars. Nested
   * and mutable keys are refused, since hashing them could recurse without bound.
   */
  private Object hashable(Object key, String where) {
    if (isScalar(key)) {
      return key;
    }
    if (key instanceof Tuple t && t.items().stream().allMatch(TorchUnpickler::isScalar)) {
      return key;
    }
    throw fail("a key of " + typeName(key) + " in " + where + " is not supported");
  }

  private static boolean isScalar(Object o) {
    return o == null || o instanceof String || o instanceof Long || o instanceof BigInteger || o instanceof Double
        || o instanceof Boolean;
  }

  // --- primitive values

  private int length(long n) {
    if (n < 0 || n > in.remaining()) {
      throw endOfInput("a length of " + Long.toUnsignedString(n) + " bytes, but only " + in.remaining() + " are left");
    }
    return (int) n;
  }

  private byte[] bytes(int n) {
    byte[] b = new byte[length(n)];
    in.get(b);
    return b;
  }

  private String utf8(byte[] b) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      throw fail("a string that is not valid UTF-8");
    }
  }

  /** A newline-terminated ASCII line (the module and name of GLOBAL). */
  private String line() {
    StringBuilder s = new StringBuilder();
    while (true) {
      if (!in.hasRemaining()) {
        throw endOfInput("the pickle ends inside a GLOBAL name");
      }
      byte b = in.get();
      if (b == '\n') {
        return s.toString();
      }
      if (b < 0x20 || b > 0x7e || s.length() > 1000) {
        throw fail("a GLOBAL name that is not a short line of printable ASCII");
      }
      s.append((char) b);
    }
  }

  /** Pickle's little-endian two's-complement integer, as a Long when it fits. */
  private static Object decodeLong(byte[] b) {
    if (b.length == 0) {
      return 0L;
    }
    byte[] big = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      big[i] = b[b.length - 1 - i];
    }
    BigInteger v = new BigInteger(big);
    return v.bitLength() < 64 ? (Object) v.longValue() : v;
  }

  private byte[] encode(String s, String encoding) {
    String e = encoding.toLowerCase(Locale.ROOT).replace('_', '-');
    if (e.equals("latin1") || e.equals("latin-1") || e.equals("iso-8859-1")) {
      byte[] out = new byte[s.length()];
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c > 0xFF) {
          throw fail("_codecs.encode: '" + c + "' is not latin-1");
        }
        out[i] = (byte) c;
      }
      return out;
    }
    if (e.equals("utf-8") || e.equals("utf8") || e.equals("ascii")) {
      return s.getBytes(StandardCharsets.UTF_8);
    }
    throw fail("_codecs.encode with encoding '" + encoding + "' is not supported");
  }

  private Tuple tuple(Object o, String what) {
    if (!(o instanceof Tuple t)) {
      throw fail(what + " is " + typeName(o) + ", not a tuple");
    }
    return t;
  }

  private void expect(Global g, Tuple a, int n) {
    if (a.size() != n) {
      throw fail(g.path() + " takes " + n + " arguments, got " + a.size());
    }
  }

  private long toLong(Object o, String what) {
    if (o instanceof Long l) {
      return l;
    }
    throw fail(what + " is " + (o instanceof BigInteger ? "an integer beyond 64 bits" : typeName(o)));
  }

  private long[] longs(Object o, String what) {
    Tuple t = tuple(o, what);
    long[] out = new long[t.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = toLong(t.get(i), "an element of " + what);
    }
    return out;
  }

  private double number(Object o) {
    if (o instanceof Double d) {
      return d;
    }
    return toLong(o, "a number");
  }

  // --- messages

  private PyTorchFileException fail(String problem) {
    return new PyTorchFileException(fileName, part + " at byte " + opcodeAt + ": " + problem);
  }

  private PyTorchFileException endOfInput(String problem) {
    return new PyTorchFileException(fileName, part + " at byte " + opcodeAt + ": " + problem, null, true);
  }

  private PyTorchFileException refused(String what) {
    return new PyTorchFileException(fileName, "refused: " + part + " at byte " + opcodeAt + ": " + what
        + "; nothing from the file was run");
  }

  private static String describeCallable(Object o) {
    return o instanceof Global g ? g.path() : "a " + typeName(o);
  }

  /** Python's name for the type of a value this reader builds. */
  static String typeName(Object o) {
    if (o == null) {
      return "None";
    }
    if (o instanceof Boolean) {
      return "bool";
    }
    if (o instanceof Long || o instanceof BigInteger) {
      return "int";
    }
    if (o instanceof Double) {
      return "float";
    }
    if (o instanceof String) {
      return "str";
    }
    if (o instanceof byte[]) {
      return "bytes";
    }
    if (o instanceof Tuple) {
      return "tuple";
    }
    if (o instanceof OrderedDict) {
      return "OrderedDict";
    }
    if (o instanceof Map<?, ?>) {
      return "dict";
    }
    if (o instanceof List<?>) {
      return "list";
    }
    if (o instanceof Set<?>) {
      return "set";
    }
    if (o instanceof TensorRef) {
      return "tensor";
    }
    if (o instanceof Storage) {
      return "storage";
    }
    if (o instanceof Complex) {
      return "complex";
    }
    if (o instanceof Global g) {
      return g.path();
    }
    return o.getClass().getSimpleName();
  }
}
