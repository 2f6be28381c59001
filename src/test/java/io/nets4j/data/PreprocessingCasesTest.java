package io.nets4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reference cases of {@code src/test/resources/preprocess} (made once by PIL 9.4.0 with
 * {@code make_cases.py}, see its README): decoding of every PNG kind and of JPEG (with and without
 * EXIF orientation), PIL's resize with each filter down and up followed by torchvision's centre
 * crop, and the centre crop's padding.
 */
class PreprocessingCasesTest {
  static final Path DIR = Path.of("src", "test", "resources", "preprocess");
  static final JsonNode CASES = load();

  private static JsonNode load() {
    try {
      return new ObjectMapper().readTree(DIR.resolve("cases.json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Stream<JsonNode> cases(String kind) {
    return StreamSupport.stream(CASES.get(kind).spliterator(), false);
  }

  static Stream<JsonNode> decodeCases() {
    return cases("decode");
  }

  static Stream<JsonNode> resizeCases() {
    return cases("resize");
  }

  static Stream<JsonNode> centerCropCases() {
    return cases("center_crop");
  }

  static RgbImage expected(JsonNode e) throws IOException {
    return new RgbImage(e.get("width").asInt(), e.get("height").asInt(),
        Files.readAllBytes(DIR.resolve(e.get("file").asText())));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("decodeCases")
  void decodesAsPil(JsonNode c) throws IOException {
    RgbImage want = expected(c.get("expected"));
    ImageDecoder.Orientation o = c.get("orientation").asText().equals("exif") ? ImageDecoder.Orientation.EXIF
        : ImageDecoder.Orientation.AS_STORED;
    RgbImage got = ImageDecoder.read(DIR.resolve(c.get("image").asText()), o);
    String what = c.get("image").asText() + " (" + c.get("note").asText() + ")";
    assertEquals(want.width(), got.width(), what);
    assertEquals(want.height(), got.height(), what);
    if (!c.get("lossy").asBoolean()) {
      assertArrayEquals(want.pixels(), got.pixels(), what);
      return;
    }
    int max = 0;
    long sum = 0;
    for (int i = 0; i < want.pixels().length; i++) {
      int d = Math.abs((want.pixels()[i] & 0xff) - (got.pixels()[i] & 0xff));
      max = Math.max(max, d);
      sum += d;
    }
    double mean = sum / (double) want.pixels().length;
    System.out.printf(Locale.ROOT, "decode %s: max %d levels, mean %.3f%n", what, max, mean);
    assertTrue(max <= 4 && mean <= 0.5, what + ": max " + max + " levels, mean " + mean);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("resizeCases")
  void resizesAndCropsAsPilAndTorchvision(JsonNode c) throws IOException {
    RgbImage source = ImageDecoder.read(DIR.resolve(c.get("image").asText()));
    ImageClassificationTransforms t = ImageClassificationTransforms.imagenet(c.get("resize").asInt(),
        c.get("crop").asInt(), Interpolation.parse(c.get("interpolation").asText()));
    RgbImage got = t.resizeAndCrop(source);
    RgbImage want = expected(c.get("expected"));
    assertEquals(want.width(), got.width());
    assertArrayEquals(want.pixels(), got.pixels(), c.toString());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("centerCropCases")
  void centerCropPadsAsTorchvision(JsonNode c) throws IOException {
    RgbImage source = ImageDecoder.read(DIR.resolve(c.get("image").asText()));
    RgbImage got = source.centerCrop(c.get("crop_height").asInt(), c.get("crop_width").asInt());
    assertArrayEquals(expected(c.get("expected")).pixels(), got.pixels(), c.toString());
  }
}
