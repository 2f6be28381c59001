package io.nets4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.models.ImageClassifier;
import io.nets4j.models.Models;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
    PyTorchFileException e = assertThrows(PyTorchFileException.class,
        () -> PyTorchFile.open(RESOURCES.resolve("dtypes.safetensors")));
    assertTrue(e.getMessage().startsWith("dtypes.safetensors: not a torch.save file"), e.getMessage());
  }
}
