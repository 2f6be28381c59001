package io.nets4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SafeTensorsRoundTripTest {
  @TempDir
  Path dir;

  private static byte[] randomBytes(DType dtype, long numel, long seed) {
    byte[] b = new byte[Math.toIntExact(numel * dtype.byteSize())];
    Random r = new Random(seed);
    if (dtype == DType.BOOL) {
      for (int i = 0; i < b.length; i++) {
        b[i] = (byte) r.nextInt(2);
      }
    } else {
      r.nextBytes(b);
    }
    return b;
  }

  private static Tensor tensor(byte[] data, DType dtype, long... shape) {
    return Tensors.fromBytes(data, 0, data.length, dtype, shape);
  }

  private static void assertSameTensor(byte[] expectedBytes, DType dtype, long[] shape, Tensor actual) {
    assertEquals(dtype, Tensors.dtype(actual));
    assertArrayEquals(shape, Tensors.shape(actual));
    assertArrayEquals(expectedBytes, Tensors.toBytes(actual));
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void everyDtypeRoundTripsBitForBit(DType dtype) {
    byte[] data = randomBytes(dtype, 15, dtype.ordinal());
    Path p = dir.resolve(dtype + ".safetensors");
    SafeTensors.write(p, Map.of("x", tensor(data, dtype, 3, 5)), Map.of());

    SafeTensorsFile f = SafeTensors.read(p);
    SafeTensorsFile.Entry e = f.entry("x");
    assertEquals(dtype, e.dtype());
    assertArrayEquals(new long[] {3, 5}, e.shape());
    assertEquals(15L * dtype.byteSize(), e.byteSize());
    assertSameTensor(data, dtype, new long[] {3, 5}, f.tensor("x"));
  }

  @Test
  void nanPayloadsSurviveBitForBit() {
    ByteBuffer f32 = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    for (int bits : new int[] {0x7fc00001, 0xffc12345, 0x7f800001, 0x80000000, 0x7f800000, 0x00000001}) {
      f32.putInt(bits);
    }
    ByteBuffer f64 = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
    for (long bits : new long[] {0x7ff8000000000abcL, 0xfff0000000000001L, 0x7ff0000000000001L, 0x8000000000000000L}) {
      f64.putLong(bits);
    }
    ByteBuffer half = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    for (short bits : new short[] {0x7fc1, (short) 0xff81, 0x7f81, (short) 0x8000}) {
      half.putShort(bits);
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("f32", tensor(f32.array(), DType.FLOAT32, 6));
    tensors.put("f64", tensor(f64.array(), DType.FLOAT64, 2, 2));
    tensors.put("bf16", tensor(half.array(), DType.BFLOAT16, 4));
    tensors.put("f16", tensor(half.array(), DType.FLOAT16, 4));
    Path p = dir.resolve("nan.safetensors");
    SafeTensors.write(p, tensors, Map.of());

    Map<String, Tensor> back = SafeTensors.read(p).tensors();
    assertEquals(List.of("f32", "f64", "bf16", "f16"), List.copyOf(back.keySet()));
    assertSameTensor(f32.array(), DType.FLOAT32, new long[] {6}, back.get("f32"));
    assertSameTensor(f64.array(), DType.FLOAT64, new long[] {2, 2}, back.get("f64"));
    assertSameTensor(half.array(), DType.BFLOAT16, new long[] {4}, back.get("bf16"));
    assertSameTensor(half.array(), DType.FLOAT16, new long[] {4}, back.get("f16"));
  }

  @Test
  void metadataRoundTrips() {
    Map<String, String> metadata = Map.of("format", "pt", "note", "ünïcödé \"quoted\"\n", "empty", "");
    Path p = dir.resolve("meta.safetensors");
    SafeTensors.write(p, Map.of("x", Tensors.zeros(DType.FLOAT32, 2)), metadata);
    assertEquals(metadata, SafeTensors.read(p).metadata());
  }

  @Test
  void emptyTensorsAndScalarsRoundTrip() {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("empty", Tensors.zeros(DType.FLOAT32, 0));
    tensors.put("empty2d", Tensors.zeros(DType.INT64, 3, 0));
    tensors.put("scalar", Tensors.full(DType.FLOAT64, 2.5));
    tensors.put("flag", Tensors.ones(DType.BOOL));
    Path p = dir.resolve("edge.safetensors");
    SafeTensors.write(p, tensors, Map.of());

    SafeTensorsFile f = SafeTensors.read(p);
    assertArrayEquals(new long[] {0}, f.entry("empty").shape());
    assertArrayEquals(new long[] {3, 0}, f.entry("empty2d").shape());
    assertArrayEquals(new long[] {}, f.entry("scalar").shape());
    Map<String, Tensor> back = f.tensors();
    assertEquals(0, back.get("empty").numel());
    assertArrayEquals(new long[] {3, 0}, Tensors.shape(back.get("empty2d")));
    assertEquals(0, back.get("scalar").dim());
    assertEquals(2.5, back.get("scalar").item_double());
    assertEquals(0, back.get("flag").dim());
    assertTrue(back.get("flag").item_bool());
  }

  @Test
  void emptyFileWithoutTensorsRoundTrips() {
    Path p = dir.resolve("none.safetensors");
    SafeTensors.write(p, Map.of(), Map.of());
    SafeTensorsFile f = SafeTensors.read(p);
    assertTrue(f.entries().isEmpty());
    assertTrue(f.tensors().isEmpty());
    assertTrue(f.metadata().isEmpty());
  }

  @Test
  void nonContiguousTensorsAreWrittenAsTheirContiguousValues() {
    Tensor base = Tensors.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    Tensor transposed = base.t();
    Path p = dir.resolve("t.safetensors");
    SafeTensors.write(p, Map.of("t", transposed), Map.of());
    Tensor back = SafeTensors.read(p).tensor("t");
    assertArrayEquals(new long[] {3, 2}, Tensors.shape(back));
    assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, Tensors.toFloatArray(back));
  }

  @Test
  void readsAHandBuiltFile() throws IOException {
    String header = "{\"__metadata__\":{\"k\":\"v\"},"
        + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[2,10]},"
        + "\"s\":{\"dtype\":\"I16\",\"shape\":[],\"data_offsets\":[0,2]}}";
    ByteBuffer data = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
    data.putShort((short) 0x1234).putFloat(1.5f).putFloat(-2f);
    Path p = SafeTensorsTestFiles.file(dir, "hand.safetensors", header, data.array());

    SafeTensorsFile f = SafeTensors.read(p);
    assertEquals(Map.of("k", "v"), f.metadata());
    assertEquals(header.length(), f.headerLength());
    assertEquals(List.of(new SafeTensorsFile.Entry("w", DType.FLOAT32, new long[] {2}, 2, 10),
        new SafeTensorsFile.Entry("s", DType.INT16, new long[] {}, 0, 2)), f.entries());
    assertArrayEquals(new float[] {1.5f, -2f}, Tensors.toFloatArray(f.tensor("w")));
    Tensor s = f.tensor("s");
    assertEquals(0, s.dim());
    assertArrayEquals(new long[] {0x1234}, Tensors.toLongArray(s));
  }

  @Test
  void writtenFileHasTheReferenceLayout() throws IOException {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("b", Tensors.ones(DType.FLOAT16, 3));
    tensors.put("a", Tensors.ones(DType.INT8, 5));
    tensors.put("c", Tensors.ones(DType.FLOAT64, 2, 2));
    Path p = dir.resolve("layout.safetensors");
    SafeTensors.write(p, tensors, Map.of("producer", "test"));

    byte[] bytes = Files.readAllBytes(p);
    long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, n % 8, "header length is a multiple of 8");
    String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
    String json = header.stripTrailing();
    assertTrue(json.startsWith("{") && json.endsWith("}"));
    assertTrue(header.substring(json.length()).chars().allMatch(c -> c == ' '), "padding is spaces");
    assertTrue(header.length() - json.length() < 8, "padding is minimal");
    JsonNode root = new ObjectMapper().readTree(header);
    assertEquals("test", root.get("__metadata__").get("producer").textValue());
    long expectedBegin = 0;
    for (String key : List.of("b", "a", "c")) {
      JsonNode offsets = root.get(key).get("data_offsets");
      assertEquals(expectedBegin, offsets.get(0).longValue(), key + " starts where the previous tensor ends");
      expectedBegin = offsets.get(1).longValue();
    }
    assertEquals(3 * 2 + 5 + 4 * 8, expectedBegin);
    assertEquals(8 + n + expectedBegin, bytes.length);
    assertEquals("F16", root.get("b").get("dtype").textValue());
    assertEquals("[2,2]", root.get("c").get("shape").toString());
  }

  @Test
  void describeListsTensorsTotalsAndMetadata() {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("conv.weight", Tensors.zeros(DType.FLOAT32, 8, 3, 3, 3));
    tensors.put("bn.num_batches_tracked", Tensors.zeros(DType.INT64));
    Path p = dir.resolve("model.safetensors");
    SafeTensors.write(p, tensors, Map.of("producer", "nets4j", "format", "pt"));

    String expected = ""
        + "model.safetensors: 2 tensors, 217 elements, 872 bytes of data, header 200 bytes\n"
        + "key                     dtype  shape         elements  bytes\n"
        + "conv.weight             F32    [8, 3, 3, 3]       216    864\n"
        + "bn.num_batches_tracked  I64    []                   1      8\n"
        + "total                                             217    872\n"
        + "metadata:\n"
        + "  format: pt\n"
        + "  producer: nets4j\n";
    assertEquals(expected, SafeTensors.describe(SafeTensors.read(p)));
  }
}
