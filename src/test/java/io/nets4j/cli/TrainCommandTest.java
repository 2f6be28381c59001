package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.ImageFiles;
import io.nets4j.data.ShapesDataset;
import io.nets4j.io.StateDicts;
import io.nets4j.models.ModelOptions;
import io.nets4j.models.Models;
import io.nets4j.train.Checkpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** {@code nets4j train}, {@code eval} and {@code predict} end to end on a tiny run. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainCommandTest {
  @TempDir
  static Path tmp;

  private static Path run() {
    return tmp.resolve("runs").resolve("tiny");
  }

  @Test
  @Order(0)
  void everyCommandHasHelp() {
    CliTest.Run train = CliTest.run("train", "--help");
    assertEquals(0, train.exit());
    assertEquals("", train.err(), "no help-formatting warnings");
    for (String option : List.of("--data", "--model", "--epochs", "--batch", "--lr", "--optimizer", "--schedule",
        "--warmup", "--label-smoothing", "--mixup", "--cutmix", "--bf16", "--seed", "--workers", "--resume", "--out",
        "--weights", "--freeze-backbone", "--clip-grad", "--patience")) {
      assertTrue(train.out().contains(option), option + " in:\n" + train.out());
    }
    CliTest.Run eval = CliTest.run("eval", "--help");
    assertEquals(0, eval.exit());
    assertTrue(eval.out().contains("RUN|CHECKPOINT") && eval.out().contains("--data"), eval.out());
    CliTest.Run predict = CliTest.run("predict", "--help");
    assertEquals(0, predict.exit());
    assertTrue(predict.out().contains("IMAGE") && predict.out().contains("--top"), predict.out());
    assertTrue(CliTest.run("help").out().contains("train"));
  }

  @Test
  @Order(1)
  void aTinyRunProducesTheRunDirectory() throws IOException {
    CliTest.Run r = CliTest.run("train", "--data", "shapes", "--model", "resnet18", "--size", "16",
        "--train-size", "64", "--val-size", "32", "--batch", "16", "--epochs", "1", "--log-every", "2",
        "--progress", "plain", "--out", tmp.resolve("runs").toString(), "--name", "tiny");
    assertEquals(0, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("epoch 1/1 4/4"), "plain progress lines:\n" + r.out());
    assertTrue(r.out().contains("validation top-1"), r.out());
    Path run = run();
    // the weight decay in force is the one run.json records
    assertTrue(r.out().contains("AdamW(lr 0.001, betas (0.9, 0.999), eps 1.0E-8, weight decay 0.05 except"), r.out());
    assertTrue(Files.readString(run.resolve("run.json")).contains("\"weightDecay\" : 0.05"));
    for (String f : List.of("run.json", "metrics.jsonl", "steps.jsonl", "evaluation.json", "plots/loss.png",
        "plots/accuracy.png", "plots/confusion.png", "plots/predictions.png", "checkpoints/latest.json",
        "checkpoints/best.json")) {
      assertTrue(Files.isRegularFile(run.resolve(f)), f);
    }
    assertEquals(1, Files.readAllLines(run.resolve("metrics.jsonl")).size());
    assertEquals(2, Files.readAllLines(run.resolve("steps.jsonl")).size());
    assertTrue(Files.readString(run.resolve("metrics.jsonl")).contains("\"val_top1\""));
    Path checkpoint = Checkpoints.resolve(run);
    assertEquals(4, Checkpoints.info(checkpoint).step());
    CliTest.Run again = CliTest.run("train", "--out", tmp.resolve("runs").toString(), "--name", "tiny");
    assertEquals(1, again.exit());
    assertTrue(again.err().contains("exists; use --resume"), again.err());
  }

  /** A relative --out (as the README and CI use) must work too. */
  @Test
  void relativeOutputDirectory() throws IOException {
    Path relative = Path.of("target", "test-relative-runs");
    try {
      CliTest.Run r = CliTest.run("train", "--data", "shapes", "--size", "16", "--train-size", "32",
          "--val-size", "16", "--batch", "16", "--epochs", "1", "--progress", "none", "--out", relative.toString(),
          "--name", "relative");
      assertEquals(0, r.exit(), r.out() + r.err());
      assertTrue(r.out().contains("run directory: " + relative.resolve("relative")), r.out());
    } finally {
      try (var files = Files.walk(relative)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  @Test
  @Order(2)
  void resumeContinuesTheRunForMoreEpochs() throws IOException {
    CliTest.Run refused = CliTest.run("train", "--resume", run().toString(), "--model", "vgg11", "--lr", "5",
        "--batch", "7", "--seed", "0");
    assertEquals(1, refused.exit());
    assertTrue(refused.err().contains("these options differ: --model vgg11 (the run has resnet18), --lr 5 (the run"
        + " has 0.001), --batch 7 (the run has 16)") && !refused.err().contains("--seed"), refused.err());
    // a damaged latest checkpoint: the newest intact one is used, with a warning of Checkpoints' logger
    // (slf4j-simple, the test binding, prints it with the logger's name to System.err)
    Path latest = Checkpoints.resolve(run());
    Path copy = run().resolve("checkpoints").resolve("step-00000099");
    try (Stream<Path> files = Files.list(latest)) {
      Files.createDirectories(copy);
      for (Path f : files.toList()) {
        Files.copy(f, copy.resolve(f.getFileName()));
      }
    }
    Files.writeString(copy.resolve("model.safetensors"), "damaged");
    Files.writeString(run().resolve("checkpoints").resolve("latest.json"), "{\"checkpoint\": \"step-00000099\"}");
    Files.createDirectories(run().resolve("checkpoints").resolve(".step-00000005.tmp-1f"));
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream saved = System.err;
    try {
      System.setErr(new java.io.PrintStream(err, true));
      assertEquals(latest, Checkpoints.resolve(run()));
    } finally {
      System.setErr(saved);
    }
    assertTrue(err.toString().contains("WARN " + Checkpoints.class.getName() + " - ")
        && err.toString().contains("step-00000099, which is not a complete checkpoint") && err.toString().contains(
        "using the newest intact checkpoint, " + latest), err.toString());
    io.nets4j.train.AtomicFiles.deleteTree(copy);
    CliTest.Run r = CliTest.run("train", "--resume", run().toString(), "--epochs", "2", "--progress", "none");
    assertEquals(0, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("resumed from"), r.out());
    assertEquals(2, Files.readAllLines(run().resolve("metrics.jsonl")).size());
    assertEquals(8, Checkpoints.info(Checkpoints.resolve(run())).step());
    assertTrue(r.out().contains("removed " + run().resolve("checkpoints").resolve(".step-00000005.tmp-1f")), r.out());
    assertFalse(Files.exists(run().resolve("checkpoints").resolve(".step-00000005.tmp-1f")));
  }

  @Test
  @Order(3)
  void evalWritesItsReport() {
    CliTest.Run r = CliTest.run("eval", run().toString(), "--workers", "0");
    assertEquals(0, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("32 images: top-1"), r.out());
    assertTrue(r.out().contains("precision") && r.out().contains("circle"), r.out());
    for (String f : List.of("evaluation.json", "confusion.png", "predictions.png")) {
      assertTrue(Files.isRegularFile(run().resolve("eval").resolve(f)), f);
    }
  }

  @Test
  @Order(4)
  void predictGivesTheTopClassesOfAPng() throws IOException {
    Path png = tmp.resolve("shape.png");
    ImageFiles.writePng(ShapesDataset.single(1, 40, 7).get(0).image(), png);
    CliTest.Run r = CliTest.run("predict", "--run", run().toString(), "--top", "3", png.toString());
    assertEquals(0, r.exit(), r.out() + r.err());
    List<String> lines = r.out().lines().toList();
    assertEquals(4, lines.size(), r.out());
    assertEquals(png.toString(), lines.get(0));
    double total = 0;
    for (String l : lines.subList(1, 4)) {
      assertTrue(l.matches("  \\d\\. (circle|square|triangle|star|cross|ellipse) +\\d+\\.\\d\\d%"), l);
      total += Double.parseDouble(l.replaceAll(".* (\\S+)%$", "$1"));
    }
    assertTrue(total > 0 && total <= 100.01, r.out());
  }

  @Test
  @Order(5)
  void predictWithAModelAndAWeightsFile() throws IOException {
    Path weights = tmp.resolve("resnet18-3.safetensors");
    StateDicts.save(Models.create("resnet18", ModelOptions.defaults().withNumClasses(3)), weights);
    Path png = tmp.resolve("shape2.png");
    ImageFiles.writePng(ShapesDataset.single(1, 50, 3).get(0).image(), png);
    CliTest.Run r = CliTest.run("predict", "--model", "resnet18", "--weights", weights.toString(), "--classes",
        "red,green,blue", "--size", "64", png.toString());
    assertEquals(0, r.exit(), r.out() + r.err());
    assertEquals(4, r.out().lines().count(), "the three classes: " + r.out());
    assertTrue(r.out().contains("green"), r.out());
  }

  @Test
  @Order(6)
  void badInputGivesClearErrors() throws IOException {
    CliTest.Run r = CliTest.run("train", "--data", "imagenet:/nowhere", "--out", tmp.toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("unknown data 'imagenet:/nowhere'"), r.err());
    r = CliTest.run("predict", "--run", run().toString(), tmp.resolve("missing.png").toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("missing.png"), r.err());
    r = CliTest.run("eval", tmp.toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("run.json"), r.err());
    try (Stream<Path> s = Files.list(tmp)) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith("2")), "no run directory for a failed start");
    }
    String[][] refused = {
        {"--lr", "Infinity", "--lr must be a finite number >= 0, got Infinity"},
        {"--mixup", "-1", "--mixup must be a finite number >= 0, got -1.0"},
        {"--epochs", "0", "--epochs must be positive, got 0"},
        {"--size", "100000", "--size must be in [0, 4096], got 100000"},
        {"--name", "../../x", "--name must be a plain folder name"},
        {"--model", "ResNet20_Cifar", "did you mean resnet20_cifar"},
        {"--model", "fcn8s", "'fcn8s' is a segmentation model, not a classifier; train it with `nets4j segment train"},
        {"--model", "fasterrcnn_light", "is a detector, not a classifier"}};
    for (String[] bad : refused) {
      r = CliTest.run("train", bad[0], bad[1], "--out", tmp.resolve("refused").toString());
      assertEquals(1, r.exit(), String.join(" ", bad));
      assertTrue(r.err().contains(bad[2]), r.err());
    }
    assertFalse(Files.exists(tmp.resolve("refused")));
    Path weights = tmp.resolve("w.safetensors");
    Path png = tmp.resolve("one.png");
    io.nets4j.data.ImageFiles.writePng(new io.nets4j.data.Image(new float[3 * 8 * 8], 3, 8, 8), png);
    String[][] predictRefused = {
        {"--size", "100000", "--size must be in [0, 4096], got 100000"},
        {"--size", "-3", "--size must be in [0, 4096], got -3"},
        {"--classes", "/missing/file", "--classes /missing/file: no such file"}};
    io.nets4j.io.StateDicts.save(io.nets4j.models.Models.create("resnet18",
        io.nets4j.models.ModelOptions.defaults().withNumClasses(2)), weights);
    for (String[] bad : predictRefused) {
      r = CliTest.run("predict", "--model", "resnet18", "--weights", weights.toString(), bad[0], bad[1], png.toString());
      assertEquals(1, r.exit(), String.join(" ", bad));
      assertTrue(r.err().contains(bad[2]), r.err());
    }
    r = CliTest.run("eval", run().toString(), "--limit", "-1");
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("--limit must be 0 or more, got -1"), r.err());
    r = CliTest.run("demo", "--help");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("--steps"), r.out());
    r = CliTest.run("train", "--model", "swin_x");
    assertFalse(r.err().contains("fcn") || r.err().contains("resnet"), r.err());
  }

  @Test
  @Order(7)
  void aRunThatFailsBeforeItsFirstCheckpointLeavesNothingThatBlocksARetry() throws IOException {
    Path data = Files.createDirectories(tmp.resolve("broken-data"));
    Files.writeString(data.resolve("fake.png"), "not a png");
    Path list = Files.writeString(data.resolve("list.csv"), "fake.png,0\nfake.png,1\n".repeat(8));
    Path runs = tmp.resolve("failing-runs");
    for (int attempt = 0; attempt < 2; attempt++) {
      CliTest.Run r = CliTest.run("train", "--data", "list:" + list, "--size", "16", "--batch", "4",
          "--epochs", "1", "--workers", "0", "--progress", "none", "--out", runs.toString(), "--name", "again");
      assertEquals(1, r.exit());
      assertTrue(r.err().contains("fake.png") && r.err().contains("(epoch 1, batch 1)") && !r.err().contains("exists"),
          r.err());
      assertTrue(r.err().contains("removed " + runs.resolve("again")), r.err());
      assertFalse(Files.exists(runs.resolve("again")));
    }
    // a directory a killed run left before its first checkpoint does not block a retry either
    Files.createDirectories(runs.resolve("killed"));
    Files.copy(run().resolve("run.json"), runs.resolve("killed").resolve("run.json"));
    CliTest.Run r = CliTest.run("train", "--resume", runs.resolve("killed").toString());
    assertTrue(r.err().contains("stopped before its first checkpoint"), r.err());
  }
}
