package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.models.ModelInfo;
import io.nets4j.models.Task;
import io.nets4j.models.Weights;
import io.nets4j.models.WeightsInfo;
import io.nets4j.registry.ModelRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code nets4j list}'s weights column, {@code list --weights MODEL} and the weights lines of {@code summary}. */
class ListCommandTest {
  @Test
  void listNamesEachModelsWeightsBeforeItsParameterCount() {
    CliTest.Run r = CliTest.run("list");
    assertEquals(0, r.exit(), r.err());
    List<String> lines = r.out().lines().toList();
    assertTrue(lines.get(0).contains(" weights (* DEFAULT) "), lines.get(0));
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("resnet50 ") && l.contains(" IMAGENET1K_V1,IMAGENET1K_V2* ")
        && l.endsWith("25,557,032")), r.out());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("seresnet50 ")
        && l.contains(" a1_in1k*,a2_in1k,a3_in1k,ra2_in1k ")), r.out());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("resnet20_cifar ") && l.contains(" - ")), r.out());
    // the parameter counts stay aligned: every row is as long as the header
    int width = lines.get(0).length();
    assertTrue(lines.stream().filter(l -> l.startsWith("resnet") || l.startsWith("vit_")).allMatch(l -> l.length() == width),
        r.out());
  }

  @Test
  void weightsTableOfOneModel() {
    CliTest.Run r = CliTest.run("list", "--weights", "resnet50");
    assertEquals(0, r.exit(), r.err());
    List<String> lines = r.out().lines().toList();
    assertEquals(2 + Weights.forModel("resnet50").size(), lines.size(), r.out());
    assertTrue(lines.get(0).startsWith("resnet50: 2 published weights (torchvision 0.14.1 ")
        && lines.get(0).endsWith("DEFAULT = IMAGENET1K_V2)"), lines.get(0));
    WeightsInfo v2 = Weights.of("resnet50", "IMAGENET1K_V2");
    String row = lines.stream().filter(l -> l.startsWith("IMAGENET1K_V2 (DEFAULT) ")).findFirst().orElseThrow();
    assertTrue(row.matches("IMAGENET1K_V2 \\(DEFAULT\\) +232 +224 bilinear +0\\.485,0\\.456,0\\.406 +0\\.229,0\\.224,0\\.225 "
        + "+80\\.858 +95\\.434 +25,557,032 +1000 11ad3fa6 +" + v2.url().replace(".", "\\.")), row);
    assertTrue(v2.url().endsWith("resnet50-11ad3fa6.pth"), v2.url());

    CliTest.Run timm = CliTest.run("list", "--weights", "convit_tiny");
    assertEquals(0, timm.exit(), timm.err());
    assertTrue(timm.out().lines().anyMatch(l -> l.startsWith("convit_tiny.fb_in1k (DEFAULT) ") && l.contains(" 5.71 M ")
        && l.endsWith("https://huggingface.co/timm/convit_tiny.fb_in1k/resolve/main/model.safetensors")), timm.out());
  }

  @Test
  void modelsWithoutWeightsAndUnknownModels() {
    CliTest.Run none = CliTest.run("list", "--weights", "resnet20_cifar");
    assertEquals(0, none.exit(), none.err());
    assertEquals("resnet20_cifar: no published weights (reference: paper)", none.out().strip());
    CliTest.Run unknown = CliTest.run("list", "--weights", "resnet5");
    assertEquals(1, unknown.exit());
    assertTrue(unknown.err().contains("unknown model 'resnet5'; did you mean resnet50"), unknown.err());
  }

  @Test
  void listByTaskShowsTheTaskColumn() {
    for (Task task : Task.values()) {
      CliTest.Run r = CliTest.run("list", "--task", task.label());
      assertEquals(0, r.exit(), r.err());
      List<String> rows = r.out().lines().skip(1).toList();
      assertEquals(ModelRegistry.list(task).stream().map(ModelInfo::name).toList(),
          rows.stream().map(l -> l.split(" +")[0]).toList(), r.out());
      assertTrue(rows.stream().allMatch(l -> l.split(" +")[1].equals(task.label())), r.out());
    }
    CliTest.Run detection = CliTest.run("list", "--task", "Detection");
    assertTrue(detection.out().lines().anyMatch(l -> l.startsWith("yolo_v1 ") && l.contains(" detection ")
        && l.contains(" YOLOv1 ")), detection.out());
    CliTest.Run all = CliTest.run("list");
    assertTrue(all.out().lines().anyMatch(l -> l.startsWith("seq2seq_bahdanau ") && l.contains(" sequence ")),
        all.out());
    CliTest.Run bad = CliTest.run("list", "--task", "translation");
    assertEquals(1, bad.exit());
    assertTrue(bad.err().contains("unknown task 'translation'; expected one of classification, segmentation, detection,"
        + " sequence"), bad.err());
    CliTest.Run help = CliTest.run("list", "--help");
    assertEquals(0, help.exit(), help.err());
    assertTrue(help.out().contains("--task=TASK"), help.out());
  }

  @Test
  void weightsOfAModelOfAnotherTask() {
    CliTest.Run r = CliTest.run("list", "--weights", "fcn8s");
    assertEquals(0, r.exit(), r.err());
    assertEquals("fcn8s: no published weights (a segmentation model; reference: paper (Caffe))", r.out().strip());
  }

  @Test
  void summaryEndsWithThePublishedWeights() {
    CliTest.Run r = CliTest.run("summary", "resnet50", "--input", "1,3,32,32", "--depth", "0");
    assertEquals(0, r.exit(), r.err());
    List<String> lines = r.out().lines().toList();
    int at = lines.indexOf("Published weights (torchvision; `nets4j list --weights resnet50` for URLs and statistics):");
    assertTrue(at > 0, r.out());
    assertEquals(List.of(
        "  IMAGENET1K_V1                            resize 256 (bilinear), crop 224, top-1 76.130",
        "  IMAGENET1K_V2                            resize 232 (bilinear), crop 224, top-1 80.858  [DEFAULT]"),
        lines.subList(at + 1, lines.size()));
    CliTest.Run none = CliTest.run("summary", "resnet20_cifar", "--depth", "0");
    assertEquals(0, none.exit(), none.err());
    assertTrue(none.out().strip().endsWith("Published weights: none"), none.out());
  }
}
