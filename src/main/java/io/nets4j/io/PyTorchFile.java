package io.nets4j.io;

import io.nets4j.io.TorchUnpickler.Storage;
import io.nets4j.io.TorchUnpickler.TensorRef;
import io.nets4j.io.TorchUnpickler.Tuple;
import io.nets4j.nn.Nets4jException;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.zip.CRC32;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * A file written by PyTorch's {@code torch.save}, read without Python and without running any of
 * its pickle: only the data that {@code torch.load(weights_only=True)} accepts is built, and
 * anything else (a global such as {@code os.system}, an object construction) is refused before
 * any tensor is read. Both formats are read:
 *
 * <ul>
 *   <li>the zip format, the default since torch 1.6: {@code FOLDER/data.pkl} is the pickle, each
 *       storage is the stored (uncompressed) entry {@code FOLDER/data/KEY}, whose CRC-32 is checked
 *       when it is read, and {@code FOLDER/byteorder} says the byte order if present;
 *   <li>the legacy format ({@code _use_new_zipfile_serialization=False}): five pickles (magic
 *       number, protocol version 1001, system information, the object, the list of storage keys)
 *       followed, per key, by an 8-byte little-endian element count and the raw data.
 * </ul>
 *
 * <p>The file holds a flat name-to-tensor map at its top level ({@code torch.save(model.state_dict())}),
 * or a checkpoint that wraps one ({@code {"model": ..., "optimizer": ..., "epoch": ...}}), from which
 * {@link Options#withEntry} picks the state_dict. Tensor data stays in the file until a tensor is
 * read, and is then read from the file straight into native memory, one storage at a time:
 * no copy of it passes through the Java heap. Strided views (transposes, slices, tensors sharing a
 * storage) are read with {@code as_strided} semantics and returned contiguous.
 *
 * <p>References: {@code torch/serialization.py} ({@code _save}, {@code _legacy_save},
 * {@code _load}, {@code _legacy_load}) and {@code torch/_weights_only_unpickler.py}.
 */
public final class PyTorchFile implements WeightsFile {
  /** A pickle above this size is refused (a state_dict pickle has about 150 bytes per tensor). */
  static final int MAX_PICKLE_BYTES = 256 << 20;
  private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
  private static final long LEGACY_PROTOCOL = 1001;
  private static final int MAX_DIMENSIONS = 64;
  /** The largest part of a storage read with one call (a ByteBuffer holds at most 2 GiB). */
  private static final int CHUNK = 1 << 30;

  /**
   * Which part of a {@code torch.save} file holds the state_dict, and how to rename its keys.
   *
   * @param entry the key of the state_dict in a checkpoint ({@code model}, {@code state_dict},
   *     {@code model_ema}), dotted for nested ones ({@code ema.state_dict}); {@code null} for the top level
   * @param stripPrefix a prefix to remove from every key that has it ({@code module.}, which
   *     {@code nn.DataParallel} adds); {@code null} for none
   */
  public record Options(String entry, String stripPrefix) {
    /** The top level, keys unchanged. */
    public static final Options DEFAULT = new Options(null, null);

    public Options {
      if (entry != null && entry.isBlank() || stripPrefix != null && stripPrefix.isEmpty()) {
        throw new IllegalArgumentException("an entry or prefix to strip must not be empty");
      }
    }

    public Options withEntry(String name) {
      return new Options(name, stripPrefix);
    }

    public Options withStripPrefix(String prefix) {
      return new Options(entry, prefix);
    }
  }

  /** Where a storage's bytes are in the file, with the CRC-32 of all of them when the format has one. */
  private record Region(long position, long length, Long crc) {}

  private record Item(TensorInfo info, TensorRef ref) {}

  /** What the pickle and its storages are, before a state_dict is picked. */
  private record Parsed(Object root, Map<String, Region> regions, String layout) {}

  private final Path path;
  private final String fileName;
  private final String layout;
  private final Options options;
  private final Map<String, Item> items;
  private final Map<String, Region> regions;

  private PyTorchFile(Path path, String fileName, String layout, Options options, Map<String, Item> items,
      Map<String, Region> regions) {
    this.path = path;
    this.fileName = fileName;
    this.layout = layout;
    this.options = options;
    this.items = items;
    this.regions = regions;
  }

  /** Opens a file whose top level is a flat name-to-tensor map. */
  public static PyTorchFile open(Path path) {
    return open(path, Options.DEFAULT);
  }

  /**
   * Reads the pickle of a {@code torch.save} file (refusing any code in it), picks the state_dict
   * and checks every tensor against its storage; tensor data is read later, on demand.
   *
   * @throws PyTorchFileException if the file is not a {@code torch.save} file, is corrupt, holds
   *     code, or has no flat name-to-tensor map where {@code options} point (the message then lists
   *     what each entry holds)
   */
  public static PyTorchFile open(Path path, Options options) {
    String file = SafeTensors.fileName(path);
    Format format = Format.of(path);
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      Parsed parsed = switch (format) {
        case TORCH_ZIP -> readZip(ch, file);
        case TORCH_LEGACY -> readLegacy(ch, file);
        case SAFETENSORS -> throw new PyTorchFileException(file, "not a torch.save file (neither a zip archive"
            + " nor a pickle; it may be safetensors)");
      };
      Map<String, TensorRef> stateDict = stateDict(file, parsed.root(), options.entry());
      Map<String, Item> items = new LinkedHashMap<>();
      for (Map.Entry<String, TensorRef> e : strip(file, stateDict, options.stripPrefix()).entrySet()) {
        items.put(e.getKey(), new Item(check(file, e.getKey(), e.getValue(), parsed.regions(), ch.size()),
            e.getValue()));
      }
      return new PyTorchFile(path, file, parsed.layout(), options, Collections.unmodifiableMap(items),
          parsed.regions());
    } catch (IOException e) {
      throw new PyTorchFileException(file, "cannot read (" + e + ")", e);
    }
  }

  // --- the zip format

  private static Parsed readZip(FileChannel ch, String file) throws IOException {
    ZipDirectory zip = ZipDirectory.read(ch, file);
    List<String> pickles = zip.entries().stream().map(ZipDirectory.Entry::name)
        .filter(n -> n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length())
        .toList();
    if (pickles.size() != 1) {
      List<String> names = zip.entries().stream().map(ZipDirectory.Entry::name).limit(8).toList();
      throw new PyTorchFileException(file, pickles.isEmpty()
          ? "a zip archive without a FOLDER/data.pkl entry, so not one torch.save wrote (entries: " + names + ")"
          : "a zip archive with several pickles " + pickles + "; torch.save writes one");
    }
    String folder = pickles.get(0).substring(0, pickles.get(0).length() - "/data.pkl".length());
    ZipDirectory.Entry order = zip.get(folder + "/byteorder");
    if (order != null) {
      String value = new String(zip.readBytes(ch, order, 16), StandardCharsets.US_ASCII).strip();
      if (value.equals("big")) {
        throw new PyTorchFileException(file, "its tensors are stored big-endian (" + folder + "/byteorder says 'big');"
            + " nets4j reads little-endian files: load and save it again with torch on a little-endian machine");
      }
      if (!value.equals("little")) {
        throw new PyTorchFileException(file, folder + "/byteorder says '" + value + "', neither 'little' nor 'big'");
      }
    }
    byte[] pickle = zip.readBytes(ch, zip.get(pickles.get(0)), MAX_PICKLE_BYTES);
    Map<String, Region> regions = new HashMap<>();
    Map<String, Storage> storages = new HashMap<>();
    TorchUnpickler.PersistentLoader loader = id -> {
      // ('storage', storage type, key, location, number of elements)
      Storage s = rootStorage(file, id, 5, "a storage id", "torch.save");
      String key = s.key();
      Storage known = storages.get(key);
      if (known != null) {
        if (!known.equals(s)) {
          throw new PyTorchFileException(file, "storage '" + key + "' is declared twice, differently");
        }
        return known;
      }
      String name = folder + "/data/" + key;
      ZipDirectory.Entry e = zip.get(name);
      if (e == null) {
        throw new PyTorchFileException(file, "storage '" + key + "' has no entry " + name);
      }
      if (e.method() != ZipDirectory.STORED || e.compressedSize() != e.size()) {
        throw new PyTorchFileException(file, "entry " + name + " is compressed; torch.save stores tensor data"
            + " uncompressed, and nets4j reads it so");
      }
      long bytes = bytes(file, s.numel(), s.dtype(), key);
      if (e.size() != bytes) {
        throw new PyTorchFileException(file, "storage '" + key + "' is declared as " + s.numel() + " elements of "
            + s.dtype().torchName() + " (" + bytes + " bytes), but entry " + name + " has " + e.size() + " bytes");
      }
      regions.put(key, new Region(e.dataOffset(), e.size(), e.crc()));
      storages.put(key, s);
      return s;
    };
    Object root = TorchUnpickler.load(ByteBuffer.wrap(pickle), file, pickles.get(0), loader);
    return new Parsed(root, regions, "torch.save zip format, folder '" + folder + "'");
  }

  // --- the legacy format

  private static Parsed readLegacy(FileChannel ch, String file) throws IOException {
    // the pickles come first and their length is only known by reading them: read a growing head
    long limit = Math.min(ch.size(), MAX_PICKLE_BYTES);
    for (long window = Math.min(limit, 1 << 20); ; window = Math.min(limit, window * 4)) {
      ByteBuffer head = ByteBuffer.allocate((int) window);
      SafeTensors.readFully(ch, head, 0);
      head.flip();
      try {
        return readLegacy(ch, file, head);
      } catch (PyTorchFileException e) {
        if (window >= limit || !e.endOfInput()) {
          throw e;
        }
      }
    }
  }

  private static Parsed readLegacy(FileChannel ch, String file, ByteBuffer head) throws IOException {
    Object magic = TorchUnpickler.load(head, file, "the magic number", null);
    if (!LEGACY_MAGIC.equals(magic)) {
      throw new PyTorchFileException(file, "a pickle, but not a torch.save file (it does not start with"
          + " torch's magic number 0x1950a86a20f9469cfc6c)");
    }
    Object protocol = TorchUnpickler.load(head, file, "the protocol version", null);
    if (!Long.valueOf(LEGACY_PROTOCOL).equals(protocol)) {
      throw new PyTorchFileException(file, "legacy torch.save protocol version " + describeValue(protocol)
          + " (only " + LEGACY_PROTOCOL + " is read)");
    }
    Object info = TorchUnpickler.load(head, file, "the system information", null);
    if (info instanceof Map<?, ?> m && Boolean.FALSE.equals(m.get("little_endian"))) {
      throw new PyTorchFileException(file, "it was saved on a big-endian machine (little_endian=False);"
          + " nets4j reads little-endian files: load and save it again with torch on a little-endian machine");
    }
    Map<String, Storage> roots = new LinkedHashMap<>();
    TorchUnpickler.PersistentLoader loader = id -> {
      // ('storage', storage type, root key, location, number of elements, view metadata)
      Storage root = rootStorage(file, id, 6, "a legacy storage id", "torch");
      String key = root.key();
      DType dtype = root.dtype();
      long numel = root.numel();
      bytes(file, numel, dtype, key);
      Storage known = roots.putIfAbsent(key, root);
      if (known != null && !known.equals(root)) {
        throw new PyTorchFileException(file, "storage '" + key + "' is declared twice, differently");
      }
      if (id.get(5) == null) {
        return root;
      }
      // a view of the root storage: (view key, offset, size) in elements
      if (!(id.get(5) instanceof Tuple view) || view.size() != 3) {
        throw new PyTorchFileException(file, "storage '" + key + "' has malformed view metadata");
      }
      long offset = count(file, view.get(1), "a storage view's offset");
      long size = count(file, view.get(2), "a storage view's size");
      if (offset > numel || size > numel - offset) {
        throw new PyTorchFileException(file, "a view of " + size + " elements at " + offset + " of storage '" + key
            + "', which has " + numel);
      }
      return new Storage(key, dtype, offset, size);
    };
    Object root = TorchUnpickler.load(head, file, "the main pickle", loader);
    Object keys = TorchUnpickler.load(head, file, "the storage key list", null);
    if (!(keys instanceof List<?> keyList)) {
      throw new PyTorchFileException(file, "the storage key list is " + TorchUnpickler.typeName(keys));
    }
    Map<String, Region> regions = new HashMap<>();
    long position = head.position();
    ByteBuffer count = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    for (Object k : keyList) {
      Storage s = roots.get(k);
      if (s == null || regions.containsKey(k)) {
        throw new PyTorchFileException(file, "the storage key list names " + describeValue(k)
            + (s == null ? ", which no tensor uses" : " twice"));
      }
      count.clear();
      if (!SafeTensors.readFully(ch, count, position)) {
        throw new PyTorchFileException(file, "the file ends before the data of storage '" + s.key() + "'");
      }
      long stored = count.getLong(0);
      if (stored != s.numel()) {
        throw new PyTorchFileException(file, "storage '" + s.key() + "' is declared as " + s.numel()
            + " elements, but its data says " + stored);
      }
      long bytes = s.numel() * s.dtype().byteSize();
      if (bytes > ch.size() - position - 8) {
        throw new PyTorchFileException(file, "the file ends inside the " + bytes + " bytes of storage '" + s.key() + "'");
      }
      regions.put(s.key(), new Region(position + 8, bytes, null));
      position += 8 + bytes;
    }
    return new Parsed(root, regions, "legacy torch.save format");
  }

  // --- shared by both formats: persistent ids, the state_dict, tensor checks

  /**
   * The whole storage a persistent id names, its fields checked: ('storage', storage type, key,
   * location, number of elements), and in the legacy format the view metadata after them.
   */
  private static Storage rootStorage(String file, Tuple id, int fields, String idKind, String writer) {
    if (id.size() != fields) {
      throw new PyTorchFileException(file, idKind + " of " + id.size() + " fields (" + writer + " writes " + fields
          + ")");
    }
    DType dtype = storageType(file, id.get(1));
    String key = string(file, id.get(2), "a storage key");
    long numel = count(file, id.get(4), "the size of storage '" + key + "'");
    return new Storage(key, dtype, 0, numel);
  }

  private static DType storageType(String file, Object type) {
    if (type instanceof TorchUnpickler.Global g && g.kind() == TorchUnpickler.Kind.STORAGE_TYPE) {
      return TorchUnpickler.STORAGE_TYPES.get(g.name());
    }
    throw new PyTorchFileException(file, "a storage of type " + TorchUnpickler.typeName(type)
        + ", which nets4j does not read (it reads " + String.join(", ", new TreeSet<>(
            TorchUnpickler.STORAGE_TYPES.keySet())) + ")");
  }

  private static String string(String file, Object o, String what) {
    if (o instanceof String s) {
      return s;
    }
    throw new PyTorchFileException(file, what + " is " + TorchUnpickler.typeName(o) + ", not a string");
  }

  private static long count(String file, Object o, String what) {
    if (o instanceof Long n && n >= 0) {
      return n;
    }
    throw new PyTorchFileException(file, what + " is " + describeValue(o) + ", not a count");
  }

  private static long bytes(String file, long numel, DType dtype, String key) {
    try {
      return Math.multiplyExact(numel, dtype.byteSize());
    } catch (ArithmeticException e) {
      throw new PyTorchFileException(file, "storage '" + key + "' declares " + numel + " elements, too many");
    }
  }

  /** The flat name-to-tensor map at {@code entry} (dotted), or an error saying what is there instead. */
  private static Map<String, TensorRef> stateDict(String file, Object root, String entry) {
    Object value = root;
    String where = "the top level";
    if (entry != null) {
      String rest = entry;
      String path = "";
      while (!rest.isEmpty()) {
        if (!(value instanceof Map<?, ?> map)) {
          throw new PyTorchFileException(file, "no entry '" + entry + "': " + (path.isEmpty() ? "the top level" : "'"
              + path + "'") + " is " + describeValue(value) + ", not a dict");
        }
        // the longest dotted prefix that is a key, since keys may contain dots themselves
        String key = null;
        for (int end = rest.length(); end > 0; end = rest.lastIndexOf('.', end - 1)) {
          if (map.containsKey(rest.substring(0, end))) {
            key = rest.substring(0, end);
            break;
          }
        }
        if (key == null) {
          throw new PyTorchFileException(file, "no entry '" + entry + "'" + (path.isEmpty() ? "" : " in '" + path + "'")
              + "; " + (path.isEmpty() ? "the top level" : "'" + path + "'") + " has" + listEntries(map));
        }
        value = map.get(key);
        path = path.isEmpty() ? key : path + "." + key;
        rest = rest.length() == key.length() ? "" : rest.substring(key.length() + 1);
      }
      where = "entry '" + entry + "'";
    }
    if (!(value instanceof Map<?, ?> map)) {
      throw new PyTorchFileException(file, where + " is " + describeValue(value) + ", not a state_dict");
    }
    Map<String, TensorRef> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getKey() instanceof String name) || !(e.getValue() instanceof TensorRef t)) {
        throw new PyTorchFileException(file, where + " is not a flat map of names to tensors, so it is not a"
            + " state_dict; pick the entry that is one (--entry NAME, or PyTorchFile.Options.withEntry, dotted for"
            + " nested entries). " + (entry == null ? "The top level" : "It") + " has" + listEntries(map));
      }
      out.put(name, t);
    }
    return out;
  }

  /** One line per entry of {@code map}: its key and what it holds. */
  private static String listEntries(Map<?, ?> map) {
    if (map.isEmpty()) {
      return " no entries";
    }
    int shown = 40;
    String lines = map.entrySet().stream().limit(shown)
        .map(e -> "\n  " + describeKey(e.getKey()) + ": " + describeValue(e.getValue()))
        .collect(Collectors.joining());
    return ":" + lines + (map.size() > shown ? "\n  ... and " + (map.size() - shown) + " more" : "");
  }

  private static String describeKey(Object key) {
    return key instanceof String s ? truncate(s) : TorchUnpickler.typeName(key) + " " + describeScalar(key);
  }

  /** What a value is, in a few words and without recursing into it. */
  static String describeValue(Object v) {
    if (v instanceof TensorRef t) {
      return "tensor " + t.storage().dtype().safetensorsCode() + " " + Arrays.toString(t.size());
    }
    if (v instanceof Map<?, ?> m) {
      long tensors = m.values().stream().filter(x -> x instanceof TensorRef).count();
      String type = TorchUnpickler.typeName(v);
      if (!m.isEmpty() && tensors == m.size()) {
        return type + " of " + tensors + " tensors (a state_dict)";
      }
      String keys = m.keySet().stream().limit(6).map(PyTorchFile::describeKey).collect(Collectors.joining(", "));
      return type + " of " + m.size() + (m.size() == 1 ? " entry" : " entries")
          + (m.isEmpty() ? "" : " (" + keys + (m.size() > 6 ? ", ..." : "") + ")");
    }
    if (v instanceof List<?> l) {
      return "list of " + l.size() + " items";
    }
    if (v instanceof Tuple t) {
      return "tuple of " + t.size() + " items";
    }
    if (v instanceof Set<?> s) {
      return "set of " + s.size() + " items";
    }
    if (v instanceof byte[] b) {
      return "bytes of length " + b.length;
    }
    String scalar = describeScalar(v);
    return scalar == null ? TorchUnpickler.typeName(v) : TorchUnpickler.typeName(v) + " " + scalar;
  }

  private static String describeScalar(Object v) {
    if (v instanceof String s) {
      return "'" + truncate(s) + "'";
    }
    if (v instanceof Boolean b) {
      return b ? "True" : "False";
    }
    if (v instanceof Long || v instanceof BigInteger || v instanceof Double) {
      return v.toString();
    }
    return null;
  }

  private static String truncate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }

  private static Map<String, TensorRef> strip(String file, Map<String, TensorRef> in, String prefix) {
    if (prefix == null) {
      return in;
    }
    Map<String, TensorRef> out = new LinkedHashMap<>();
    Map<String, String> from = new HashMap<>();
    for (Map.Entry<String, TensorRef> e : in.entrySet()) {
      String key = e.getKey().startsWith(prefix) ? e.getKey().substring(prefix.length()) : e.getKey();
      String before = from.put(key, e.getKey());
      if (before != null) {
        throw new PyTorchFileException(file, "stripping '" + prefix + "' makes '" + before + "' and '" + e.getKey()
            + "' both '" + key + "'");
      }
      out.put(key, e.getValue());
    }
    return out;
  }

  /** Checks that the view {@code t} stays inside its storage's data, and describes it. */
  private static TensorInfo check(String file, String name, TensorRef t, Map<String, Region> regions, long fileSize) {
    Storage s = t.storage();
    String where = "tensor '" + name + "'";
    if (!regions.containsKey(s.key())) {
      throw new PyTorchFileException(file, where + ": its storage '" + s.key() + "' has no data in the file");
    }
    long[] size = t.size();
    long[] stride = t.stride();
    if (size.length != stride.length || size.length > MAX_DIMENSIONS) {
      throw new PyTorchFileException(file, where + ": size " + Arrays.toString(size) + " and stride "
          + Arrays.toString(stride) + " do not describe a tensor of at most " + MAX_DIMENSIONS + " dimensions");
    }
    try {
      long numel = 1;
      long last = t.offset();
      for (int i = 0; i < size.length; i++) {
        if (size[i] < 0 || stride[i] < 0) {
          throw new PyTorchFileException(file, where + ": negative size or stride in " + Arrays.toString(size)
              + " / " + Arrays.toString(stride));
        }
        numel = Math.multiplyExact(numel, size[i]);
        if (size[i] > 0) {
          last = Math.addExact(last, Math.multiplyExact(size[i] - 1, stride[i]));
        }
      }
      if (t.offset() < 0 || numel > 0 && last >= s.numel()) {
        throw new PyTorchFileException(file, where + ": size " + Arrays.toString(size) + ", stride "
            + Arrays.toString(stride) + " at offset " + t.offset() + " reach element " + last + " of a storage of "
            + s.numel());
      }
      long bytes = Math.multiplyExact(numel, s.dtype().byteSize());
      if (bytes > fileSize && bytes > s.numel() * s.dtype().byteSize()) {
        throw new PyTorchFileException(file, where + ": a view of " + bytes + " bytes, larger than the whole file;"
            + " refused");
      }
    } catch (ArithmeticException e) {
      throw new PyTorchFileException(file, where + ": size " + Arrays.toString(size) + " overflows");
    }
    return new TensorInfo(name, s.dtype(), size);
  }

  // --- reading tensor data

  @Override
  public Path path() {
    return path;
  }

  /** The options the file was opened with. */
  public Options options() {
    return options;
  }

  @Override
  public Map<String, TensorInfo> tensorInfos() {
    Map<String, TensorInfo> out = new LinkedHashMap<>();
    items.forEach((k, v) -> out.put(k, v.info()));
    return Collections.unmodifiableMap(out);
  }

  @Override
  public Tensor tensor(String name) {
    Item item = items.get(name);
    if (item == null) {
      throw new PyTorchFileException(fileName, "no tensor '" + name + "' in the file (it has " + items.size() + ")");
    }
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ); Scope scope = Scope.open()) {
      return scope.keep(view(readStorage(ch, item.ref().storage()), item));
    } catch (IOException e) {
      throw new PyTorchFileException(fileName, "tensor '" + name + "': cannot read (" + e + ")", e);
    }
  }

  /**
   * Reads every tensor, each storage once: a storage that several tensors share stays in memory
   * until the last of them is read.
   */
  @Override
  public Map<String, Tensor> tensors() {
    Map<Storage, Integer> uses = new HashMap<>();
    items.values().forEach(i -> uses.merge(i.ref().storage(), 1, Integer::sum));
    Map<Storage, Tensor> shared = new HashMap<>();
    Map<String, Tensor> out = new LinkedHashMap<>();
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      for (Item item : items.values()) {
        Storage s = item.ref().storage();
        try (Scope scope = Scope.open()) {
          Tensor data = shared.get(s);
          if (data == null) {
            data = readStorage(ch, s);
            if (uses.get(s) > 1) {
              shared.put(s, Scope.detachFromScopes(data));
            }
          }
          out.put(item.info().name(), scope.keep(view(data, item)));
        }
        if (uses.merge(s, -1, Integer::sum) == 0 && shared.containsKey(s)) {
          shared.remove(s).releaseReference();
        }
      }
    } catch (IOException e) {
      throw new PyTorchFileException(fileName, "cannot read (" + e + ")", e);
    } finally {
      shared.values().forEach(Tensor::releaseReference);
    }
    return out;
  }

  /** A storage's elements as a new 1-d tensor, read from the file into its native memory. */
  private Tensor readStorage(FileChannel ch, Storage s) throws IOException {
    Region r = regions.get(s.key());
    long element = s.dtype().byteSize();
    long bytes = s.numel() * element;
    long start = r.position() + s.offset() * element;
    Tensor t = torch.empty(new long[] {s.numel()}, new TensorOptions(s.dtype().scalarType()), new MemoryFormatOptional());
    CRC32 crc = new CRC32();
    if (bytes > 0) {
      BytePointer memory = new BytePointer(t.data_ptr());
      try {
        for (long done = 0; done < bytes; done += CHUNK) {
          long n = Math.min(CHUNK, bytes - done);
          ByteBuffer target = memory.position(done).limit(done + n).asByteBuffer();
          if (target.remaining() != n) {
            throw new IllegalStateException("a native buffer of " + target.remaining() + " bytes for " + n);
          }
          if (!SafeTensors.readFully(ch, target, start + done)) {
            throw new PyTorchFileException(fileName, "the file ends inside storage '" + s.key()
                + "' (was it truncated after opening?)");
          }
          crc.update(target.flip());
        }
      } finally {
        memory.deallocate(false);
      }
    }
    if (r.crc() != null && s.offset() == 0 && bytes == r.length() && crc.getValue() != r.crc()) {
      throw new PyTorchFileException(fileName, "storage '" + s.key() + "' is corrupt: its CRC-32 is "
          + Long.toHexString(crc.getValue()) + ", the zip directory says " + Long.toHexString(r.crc()));
    }
    return t;
  }

  /** The tensor {@code item} describes, as a contiguous tensor, from its storage's elements. */
  private Tensor view(Tensor storage, Item item) {
    TensorRef ref = item.ref();
    long[] size = ref.size();
    try {
      if (item.info().numel() == storage.numel() && ref.offset() == 0 && isContiguous(size, ref.stride())) {
        return storage.view(size);
      }
      if (item.info().numel() == 0) {
        return torch.empty(size, new TensorOptions(ref.storage().dtype().scalarType()), new MemoryFormatOptional());
      }
      return storage.as_strided(size, ref.stride(), new LongOptional(ref.offset()))
          .clone(new MemoryFormatOptional(torch.MemoryFormat.Contiguous));
    } catch (RuntimeException e) {
      if (e instanceof Nets4jException) {
        throw e;
      }
      throw new PyTorchFileException(fileName, "tensor '" + item.info().name() + "': cannot be read ("
          + e.getMessage() + ")", e);
    }
  }

  /** Whether {@code stride} is the row-major layout of {@code size} (dimensions of size 1 may have any). */
  private static boolean isContiguous(long[] size, long[] stride) {
    long expected = 1;
    for (int i = size.length - 1; i >= 0; i--) {
      if (size[i] != 1 && stride[i] != expected) {
        return false;
      }
      expected *= size[i];
    }
    return true;
  }

  @Override
  public String describe() {
    TensorTable.Totals totals = TensorTable.Totals.of(tensorInfos().values());
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%s: %d tensors, %d elements, %d bytes of data, %s",
        fileName, items.size(), totals.elements(), totals.bytes(), layout));
    if (options.entry() != null) {
      out.append(", entry '").append(options.entry()).append('\'');
    }
    if (options.stripPrefix() != null) {
      out.append(", prefix '").append(options.stripPrefix()).append("' stripped");
    }
    return out.append('\n').append(TensorTable.render(tensorInfos().values())).toString();
  }

  @Override
  public String toString() {
    return fileName + " (" + layout + ", " + items.size() + " tensors)";
  }
}
