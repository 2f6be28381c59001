package io.nets4j.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nets4j.data.ImageDecoder;
import io.nets4j.data.ImageFiles;
import io.nets4j.data.ShapesDataset;
import io.nets4j.detection.Detections;
import io.nets4j.detection.Detector;
import io.nets4j.detection.Detectors;
import io.nets4j.segmentation.SegmentationModel;
import io.nets4j.segmentation.SegmentationModels;
import io.nets4j.segmentation.SegmentationOptions;
import io.nets4j.serve.ServeClient.Response;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A detector and a segmentation model (random weights, small) served next to each other: image and
 * KServe requests give what the models give in-process, as boxes/labels/scores, a PNG mask or
 * run-length encoded classes.
 */
class DetectionSegmentationServeTest {
  static final List<String> CLASSES = ShapesDataset.SHAPES;

  @TempDir
  static Path tmp;

  static Detector detector;
  static SegmentationModel segmenter;
  static InferenceServer server;
  static ServeClient client;
  static byte[] png;
  static float[] image;
  static long[] shape;

  @BeforeAll
  static void start() throws IOException {
    torch.manual_seed(3);
    detector = Detectors.create("yolo_v1", CLASSES.size(), 64);
    detector.setScoreThreshold(0.0); // random weights score low; keep every box NMS leaves
    segmenter = SegmentationModels.create("fcn8s", SegmentationOptions.defaults().withNumClasses(7).withWidth(0.125));
    server = InferenceServer.start(List.of(new DetectorModel("shapes-det", detector, CLASSES),
        new SegmenterModel("shapes-seg", segmenter, List.of())),
        ServerOptions.defaults().withPort(0).withBatching(4, 2, 1, 16).withLogLevel("OFF"));
    client = new ServeClient(server.uri());
    Path file = tmp.resolve("scene.png");
    ImageFiles.writePng(ShapesDataset.scenes(1, 64, 5).get(0).image(), file);
    png = Files.readAllBytes(file);
    var decoded = ImageDecoder.read(file);
    image = decoded.toImage().data();
    shape = new long[] {3, decoded.height(), decoded.width()};
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close(5);
    }
  }

  record Expected(float[] boxes, float[] scores, long[] labels) {}

  static Expected detectInProcess() {
    try (Scope s = Scope.open()) {
      Detections d = detector.detect(List.of(Tensors.fromFloats(image, shape))).get(0);
      return new Expected(Tensors.toFloatArray(d.boxes().contiguous()), Tensors.toFloatArray(d.scores().contiguous()),
          Tensors.toLongArray(d.labels().to(DType.INT64.scalarType()).contiguous()));
    }
  }

  static long[] maskInProcess() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      Tensor scores = segmenter.forward(Tensors.fromFloats(image, 1, shape[0], shape[1], shape[2]));
      return Tensors.toLongArray(scores.argmax(new LongOptional(1), false).contiguous());
    }
  }

  @Test
  void anImageRequestGivesTheDetectorsBoxesLabelsAndScores() {
    Expected want = detectInProcess();
    assertTrue(want.scores().length > 0, "the detector found nothing to compare");
    Response r = client.post("/predictions/shapes-det", png, "image/png");
    assertEquals(200, r.status(), r.text());
    JsonNode out = r.json();
    assertEquals(want.scores().length, out.get("scores").size());
    assertArrayEquals(want.scores(), ServeClient.floats(out.get("scores")), 1e-5f);
    for (int i = 0; i < want.scores().length; i++) {
      float[] box = ServeClient.floats(out.get("boxes").get(i));
      assertArrayEquals(java.util.Arrays.copyOfRange(want.boxes(), 4 * i, 4 * i + 4), box, 1e-3f);
      assertEquals(CLASSES.get((int) want.labels()[i] - 1), out.get("labels").get(i).asText());
    }
  }

  @Test
  void aKServeRequestGivesTheDetectionTensors() {
    Expected want = detectInProcess();
    Response r = client.post("/v2/models/shapes-det/infer",
        ServeClient.inferRequest("input", new long[] {1, shape[0], shape[1], shape[2]}, image), "application/json");
    assertEquals(200, r.status(), r.text());
    JsonNode outputs = r.json().get("outputs");
    assertEquals("boxes", outputs.get(0).get("name").asText());
    assertEquals("[1," + want.scores().length + ",4]", outputs.get(0).get("shape").toString());
    assertArrayEquals(want.boxes(), ServeClient.floats(outputs.get(0).get("data")), 1e-3f);
    assertEquals("INT64", outputs.get(2).get("datatype").asText());
    assertEquals(want.labels()[0], outputs.get(2).get("data").get(0).asLong());
  }

  @Test
  void aSegmentationImageRequestGivesRunLengthEncodedClassesOrAPngMask() throws IOException {
    long[] want = maskInProcess();
    Response json = client.post("/predictions/shapes-seg", png, "image/png");
    assertEquals(200, json.status(), json.text());
    JsonNode rle = json.json();
    assertEquals(shape[1], rle.get("height").asLong());
    assertEquals(shape[2], rle.get("width").asLong());
    assertEquals(7, rle.get("classes").size());
    long[] decoded = new long[want.length];
    int at = 0;
    for (JsonNode run : rle.get("runs")) {
      for (int i = 0; i < run.get(1).asInt(); i++) {
        decoded[at++] = run.get(0).asLong();
      }
    }
    assertEquals(want.length, at);
    assertArrayEquals(want, decoded);

    Response mask = client.postAccept("/predictions/shapes-seg", png, "image/png");
    assertEquals(200, mask.status());
    assertEquals("image/png", mask.contentType());
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(mask.body()));
    assertEquals(shape[2], img.getWidth());
    long[] fromPng = new long[want.length];
    for (int i = 0; i < fromPng.length; i++) {
      fromPng[i] = img.getRaster().getSample(i % img.getWidth(), i / img.getWidth(), 0);
    }
    assertArrayEquals(want, fromPng);
  }

  @Test
  void aSegmentationKServeRequestCanAskForTheMaskOnly() {
    long[] want = maskInProcess();
    String body = new String(ServeClient.inferRequest("input", new long[] {1, shape[0], shape[1], shape[2]}, image),
        java.nio.charset.StandardCharsets.UTF_8);
    body = body.substring(0, body.length() - 1) + ",\"outputs\":[{\"name\":\"mask\"}]}";
    Response r = client.post("/v2/models/shapes-seg/infer", body.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        "application/json");
    assertEquals(200, r.status(), r.text());
    JsonNode outputs = r.json().get("outputs");
    assertEquals(1, outputs.size());
    assertEquals("[1," + shape[1] + "," + shape[2] + "]", outputs.get(0).get("shape").toString());
    long[] served = new long[want.length];
    for (int i = 0; i < served.length; i++) {
      served[i] = outputs.get(0).get("data").get(i).asLong();
    }
    assertArrayEquals(want, served);
    InferenceServerTest.assertError(client.post("/v2/models/shapes-seg/infer",
        body.replace("\"mask\"", "\"logits\"").getBytes(java.nio.charset.StandardCharsets.UTF_8), "application/json"),
        400, "unknown output 'logits'");
  }
}
