package io.nets4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.detection.Detectors;
import io.nets4j.models.ImageClassifier;
import io.nets4j.models.ModelOptions;
import io.nets4j.models.Models;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import io.nets4j.train.FineTuning;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reading {@code torch.save} files: the mobilenet_v3_small fixtures (zip and legacy) against the
 * same tensors saved as safetensors, and the small files of {@code src/test/resources/io/nets4j/io/pth}
 * (see the README there) against the safetensors files torch wrote next to them.
 */
class PyTorchFileTest {
  static final Path WEIGHTS = Path.of("..", "shared", "fixtures", "weights");
  static final Path RESOURCES = Path.of("src", "test", "resources", "io", "nets4j", "io", "pth");

  /** Every tensor of {@code file} equals the reference's bit for bit, with the same keys in the same order. */
  static void assertSameTensors(SafeTensorsFile reference, WeightsFile file, boolean sameOrder) {
    assertSameTensors(reference, file, sameOrder, Map.of());
  }

  /**
   * As above, except that the keys of {@code shapes} must have that shape instead of the
   * reference's (the reference then has the same number of elements).
   */
  static void assertSameTensors(SafeTensorsFile reference, WeightsFile file, boolean sameOrder,
      Map<String, long[]> shapes) {
    try (Scope s = Scope.open()) {
      Map<String, Tensor> actual = file.tensors();
      Map<String, Tensor> expected = reference.tensors();
      if (sameOrder) {
        assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(actual.keySet()));
      } else {
        assertEquals(expected.keySet(), actual.keySet());
      }
      for (Map.Entry<String, Tensor> e : expected.entrySet()) {
        Tensor a = actual.get(e.getKey());
        assertEquals(Tensors.dtype(e.getValue()), Tensors.dtype(a), e.getKey());
        long[] shape = shapes.getOrDefault(e.getKey(), Tensors.shape(e.getValue()));
        assertEquals(Tensors.numel(Tensors.shape(e.getValue())), Tensors.numel(shape), e.getKey());
        assertArrayEquals(shape, Tensors.shape(a), e.getKey());
        assertTrue(a.is_contiguous(), e.getKey());
        assertArrayEquals(Tensors.toBytes(e.getValue()), Tensors.toBytes(a), e.getKey());
        assertEquals(file.tensorInfos().get(e.getKey()), new WeightsFile.TensorInfo(e.getKey(),
            Tensors.dtype(a), Tensors.shape(a)));
        try (Scope one = Scope.open()) {
          assertArrayEquals(Tensors.toBytes(e.getValue()), Tensors.toBytes(file.tensor(e.getKey())), e.getKey());
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"mobilenet_v3_small.pth", "mobilenet_v3_small.legacy.pth"})
  void mobileNetFixturesAreBitExactToTheirSafetensors(String name) {
    PyTorchFile file = PyTorchFile.open(WEIGHTS.resolve(name));
    SafeTensorsFile reference = SafeTensors.read(WEIGHTS.resolve("mobilenet_v3_small.state.safetensors"));
    ImageClassifier model = Models.create("mobilenet_v3_small");
    // the reference stores the 0-dimensional num_batches_tracked as [1]; torch.load (and the model) have []
    Map<String, long[]> scalars = new HashMap<>();
    model.stateDict().forEach((k, t) -> {
      if (t.dim() == 0) {
        scalars.put(k, new long[0]);
      }
    });
    assertEquals(34, scalars.size());
    assertSameTensors(reference, file, false, scalars);
    // the file's order is the state_dict's, which is the model's
    assertEquals(new ArrayList<>(model.stateDict().keySet()), new ArrayList<>(file.tensorInfos().keySet()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"dtypes.pth", "dtypes.legacy.pth"})
  void everyDtypeReadsBitExact(String name) {
    PyTorchFile file = PyTorchFile.open(RESOURCES.resolve(name));
    assertSameTensors(SafeTensors.read(RESOURCES.resolve("dtypes.safetensors")), file, true);
    assertEquals(List.of("F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "I64", "BOOL", "F32", "F32"),
        file.tensorInfos().values().stream().map(t -> t.dtype().safetensorsCode()).toList());
  }

  @ParameterizedTest
  @ValueSource(strings = {"parameters.pth", "parameters.legacy.pth"})
  void parametersReadAsTheirData(String name) {
    assertSameTensors(SafeTensors.read(RESOURCES.resolve("parameters.safetensors")),
        PyTorchFile.open(RESOURCES.resolve(name)), true);
  }

  @Test
  void parametersWithStateAndTensorsWithAttributesReadAsTheirData() throws IOException {
    // what newer torch writes for them: _rebuild_parameter_with_state(tensor, True, OrderedDict(), state)
    // and _rebuild_from_type_v2(_rebuild_tensor_v2, torch.Tensor, (storage, ...), state)
    PthTestFiles.Pickle p = PthTestFiles.Pickle.proto2().global("collections", "OrderedDict").op(')', 'R', '(')
        .str("p").global("torch._utils", "_rebuild_parameter_with_state").op('(');
    tensorV2(p).op(0x88).global("collections", "OrderedDict").op(')', 'R', '}').str("note").str("x").op('s', 't', 'R');
    p.str("t").global("torch._tensor", "_rebuild_from_type_v2").op('(').global("torch._utils", "_rebuild_tensor_v2")
        .global("torch", "Tensor").op(tensorArguments()).op('}').str("tag").int1(3).op('s', 't', 'R', 'u');
    Path file = PthTestFiles.zipFile(Files.createTempDirectory("pth"), "state.pth", p.stop().bytes(),
        Map.of("0", PthTestFiles.floats(1, 2, 3)));
    try (Scope s = Scope.open()) {
      Map<String, Tensor> t = PyTorchFile.open(file).tensors();
      assertArrayEquals(new float[] {1, 2, 3}, Tensors.toFloatArray(t.get("p")));
      assertArrayEquals(new float[] {1, 2, 3}, Tensors.toFloatArray(t.get("t")));
    }
  }

  /** {@code _rebuild_tensor_v2(storage '0' of 3 floats, 0, (3,), (1,), False, OrderedDict())} appended to {@code p}. */
  private static PthTestFiles.Pickle tensorV2(PthTestFiles.Pickle p) {
    return p.global("torch._utils", "_rebuild_tensor_v2").op(tensorArguments()).op('R');
  }

  /** The argument tuple of {@link #tensorV2}, as pickle bytes. */
  private static byte[] tensorArguments() {
    return new PthTestFiles.Pickle().op('(', '(').str("storage").global("torch", "FloatStorage").str("0").str("cpu")
        .int1(3).op('t', 'Q').int1(0).int1(3).op(0x85).int1(1).op(0x85, 0x89).global("collections", "OrderedDict")
        .op(')', 'R', 't').bytes();
  }

  @Test
  void aLegacyFileFromABigEndianMachineIsRefused() throws IOException {
    byte[] legacy = PthTestFiles.legacy(PthTestFiles.stateDict(2, true, new long[] {2}, new long[] {1}, 0).stop()
        .bytes(), Map.of("0", PthTestFiles.floats(7, 8)), 4);
    byte[] key = "little_endian".getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i + key.length < legacy.length; i++) {
      if (Arrays.equals(legacy, i, i + key.length, key, 0, key.length)) {
        legacy[i + key.length] = (byte) 0x89; // NEWTRUE -> NEWFALSE
      }
    }
    Path file = Files.write(Files.createTempDirectory("pth").resolve("sparc.pth"), legacy);
    PyTorchFileException e = assertThrows(PyTorchFileException.class, () -> PyTorchFile.open(file));
    assertTrue(e.getMessage().startsWith("sparc.pth: it was saved on a big-endian machine"), e.getMessage());
  }

  @Test
  void detectorsNeedTheirOwnSafetensorsAndSaySo() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Detectors.load(WEIGHTS.resolve("mobilenet_v3_small.pth")));
    assertTrue(e.getMessage().contains("is a torch.save file"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"views.pth", "views.legacy.pth", "views.protocol4.pth"})
  void stridedViewsOfSharedStoragesReadAsTorchShowsThem(String name) {
    assertSameTensors(SafeTensors.read(RESOURCES.resolve("views.safetensors")),
        PyTorchFile.open(RESOURCES.resolve(name)), true);
  }

  @Test
  void byContentNotByName() throws IOException {
    Path dir = Files.createTempDirectory("pth");
    Path renamed = Files.copy(RESOURCES.resolve("dtypes.legacy.pth"), dir.resolve("weights.safetensors"));
    WeightsFile file = WeightsFile.open(renamed);
    assertTrue(file instanceof PyTorchFile, file.toString());
    assertEquals(WeightsFile.Format.TORCH_LEGACY, WeightsFile.Format.of(renamed));
    Path zip = Files.copy(RESOURCES.resolve("dtypes.pth"), dir.resolve("weights.bin"));
    assertEquals(WeightsFile.Format.TORCH_ZIP, WeightsFile.Format.of(zip));
    assertEquals(WeightsFile.Format.SAFETENSORS, WeightsFile.Format.of(RESOURCES.resolve("dtypes.safetensors")));
    // a safetensors header of 384 bytes: its length starts with byte 0x80, as a pickle does
    String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    Path st = SafeTensorsTestFiles.file(dir, "w.safetensors", header + " ".repeat(384 - header.length()), new byte[4]);
    assertEquals(0x80, Files.readAllBytes(st)[0] & 0xFF);
    assertEquals(WeightsFile.Format.SAFETENSORS, WeightsFile.Format.of(st));
    assertTrue(WeightsFile.open(st) instanceof SafeTensorsFile);
    PyTorchFileException e = assertThrows(PyTorchFileException.class,
        () -> PyTorchFile.open(RESOURCES.resolve("dtypes.safetensors")));
    assertTrue(e.getMessage().startsWith("dtypes.safetensors: not a torch.save file"), e.getMessage());
  }

  @Test
  void aWrappedCheckpointNeedsAnEntryAndSaysWhichThereAre() {
    Path wrapped = RESOURCES.resolve("wrapped.pth");
    PyTorchFileException e = assertThrows(PyTorchFileException.class, () -> PyTorchFile.open(wrapped));
    String m = e.getMessage();
    assertTrue(m.startsWith("wrapped.pth: the top level is not a flat map of names to tensors"), m);
    assertTrue(m.contains("\n  model: OrderedDict of 9 tensors (a state_dict)"), m);
    assertTrue(m.contains("\n  optimizer: dict of 2 entries (state, param_groups)"), m);
    assertTrue(m.contains("\n  epoch: int 7") && m.contains("\n  best_acc1: float 0.625")
        && m.contains("\n  arch: str 'tiny'") && m.contains("\n  ema: dict of 1 entry (state_dict)"), m);

    SafeTensorsFile tiny = SafeTensors.read(RESOURCES.resolve("tiny.safetensors"));
    assertSameTensors(tiny, PyTorchFile.open(wrapped, PyTorchFile.Options.DEFAULT.withEntry("model")), true);
    // dotted, into a DataParallel state_dict whose prefix is stripped
    PyTorchFile ema = PyTorchFile.open(wrapped, new PyTorchFile.Options("ema.state_dict", "module."));
    assertSameTensors(tiny, ema, true);
    assertTrue(ema.describe().contains("entry 'ema.state_dict', prefix 'module.' stripped"), ema.describe());

    PyTorchFileException missing = assertThrows(PyTorchFileException.class,
        () -> PyTorchFile.open(wrapped, PyTorchFile.Options.DEFAULT.withEntry("ema.model")));
    assertTrue(missing.getMessage().startsWith("wrapped.pth: no entry 'ema.model' in 'ema'; 'ema' has:\n"
        + "  state_dict: OrderedDict of 9 tensors (a state_dict)"), missing.getMessage());
    PyTorchFileException notStateDict = assertThrows(PyTorchFileException.class,
        () -> PyTorchFile.open(wrapped, PyTorchFile.Options.DEFAULT.withEntry("epoch")));
    assertTrue(notStateDict.getMessage().contains("entry 'epoch' is int 7, not a state_dict"),
        notStateDict.getMessage());
  }

  @Test
  void dataParallelPrefixIsStrippedOnRequest() {
    Path file = RESOURCES.resolve("dataparallel.pth");
    SafeTensorsFile tiny = SafeTensors.read(RESOURCES.resolve("tiny.safetensors"));
    PyTorchFile asIs = PyTorchFile.open(file);
    assertEquals(tiny.tensorInfos().keySet().stream().map(k -> "module." + k).toList(),
        new ArrayList<>(asIs.tensorInfos().keySet()));
    assertSameTensors(tiny, PyTorchFile.open(file, PyTorchFile.Options.DEFAULT.withStripPrefix("module.")), true);
  }

  @ParameterizedTest
  @ValueSource(strings = {"mobilenet_v3_small.pth", "mobilenet_v3_small.legacy.pth"})
  void stateDictsLoadReadsAPthIntoTheModelStrictly(String name) {
    Path path = WEIGHTS.resolve(name);
    ImageClassifier model = Models.create("mobilenet_v3_small");
    LoadReport report = StateDicts.load(model, path, LoadMode.STRICT);
    assertEquals(model.stateDict().size(), report.loaded().size());
    assertEquals(List.of(), report.missing());
    try (Scope s = Scope.open()) {
      Map<String, Tensor> file = PyTorchFile.open(path).tensors();
      model.stateDict().forEach((k, t) -> assertArrayEquals(Tensors.toBytes(file.get(k)), Tensors.toBytes(t), k));
    }
  }

  @Test
  void fineTuningReadsAPthToo() {
    ImageClassifier model = Models.create("mobilenet_v3_small", ModelOptions.defaults()
        .withNumClasses(10));
    LoadReport report = FineTuning.loadPretrained(model, WEIGHTS.resolve("mobilenet_v3_small.pth"),
        true);
    assertEquals(model.stateDict().size() - 2, report.loaded().size(), report.toString());
  }

  @Test
  void aLegacyPickleLongerThanTheFirstReadIsRead() throws IOException {
    // 3 MB of string, popped, before the state_dict: the reader must read on past its first 1 MiB
    PthTestFiles.Pickle main = PthTestFiles.Pickle.proto2().str("x".repeat(3 << 20)).op('0');
    byte[] stateDict = PthTestFiles.stateDict(2, true, new long[] {2}, new long[] {1}, 0).stop().bytes();
    main.op(Arrays.copyOfRange(stateDict, 2, stateDict.length));
    Path file = Files.write(Files.createTempDirectory("pth").resolve("long.pth"),
        PthTestFiles.legacy(main.bytes(), Map.of("0", PthTestFiles.floats(7, 8)), 4));
    try (Scope s = Scope.open()) {
      assertArrayEquals(new float[] {7, 8}, Tensors.toFloatArray(PyTorchFile.open(file).tensor("w")));
    }
  }
}
