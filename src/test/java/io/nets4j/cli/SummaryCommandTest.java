package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code nets4j summary}: options, formats and errors. */
class SummaryCommandTest {
  @Test
  void jsonAtAGivenInputAndDepth() throws Exception {
    CliTest.Run r = CliTest.run("summary", "resnet18", "--input", "2,3,64,64", "--depth", "1", "--format", "json");
    assertEquals(0, r.exit(), r.err());
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertEquals(2, json.get("inputShape").get(0).asLong());
    assertEquals(11_689_512L, json.get("totals").get("params").asLong());
    assertEquals(11, json.get("layers").size());
    JsonNode conv1 = json.get("layers").get(1);
    assertEquals("conv1", conv1.get("path").asText());
    assertEquals(2L * 64 * 32 * 32 * 3 * 49, conv1.get("macs").asLong());
  }

  @Test
  void textByDefaultAndMarkdown() {
    CliTest.Run text = CliTest.run("summary", "resnet18", "--input", "1,3,32,32");
    assertEquals(0, text.exit(), text.err());
    assertTrue(text.out().startsWith("Summary of resnet18: input [1, 3, 32, 32] float32, depth 3"), text.out());
    assertTrue(text.out().contains("layer1.0.conv1"), "depth 3 by default");
    CliTest.Run md = CliTest.run("summary", "resnet18", "--input", "1,3,32,32", "--depth", "0", "--format", "markdown");
    assertEquals(0, md.exit(), md.err());
    assertTrue(md.out().contains("| `resnet18` | ResNet | [1, 1000] | 11,689,512 |"), md.out());
  }

  @Test
  void errorsAreMessagesNotStackTraces() {
    CliTest.Run format = CliTest.run("summary", "resnet18", "--format", "yaml");
    assertEquals(1, format.exit());
    assertTrue(format.err().contains("unknown summary format 'yaml'"), format.err());
    CliTest.Run shape = CliTest.run("summary", "resnet18", "--input", "1,1,32,32");
    assertEquals(1, shape.exit());
    assertTrue(shape.err().contains("conv1 (Conv2d): expected input of shape [N, 3, H, W], got [1, 1, 32, 32]"),
        shape.err());
    CliTest.Run model = CliTest.run("summary", "resnet5");
    assertEquals(1, model.exit());
    assertTrue(model.err().contains("resnet5"), model.err());
    CliTest.Run depth = CliTest.run("summary", "resnet18", "--depth", "-1");
    assertEquals(1, depth.exit());
    assertTrue(depth.err().contains("--depth must be >= 0"), depth.err());
  }
}
