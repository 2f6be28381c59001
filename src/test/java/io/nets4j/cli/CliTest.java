package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.io.StateDicts;
import io.nets4j.models.Models;
import io.nets4j.registry.ModelRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
  @TempDir
  Path tmp;

  /** Exit code and everything printed to stdout and stderr. */
  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int code = Main.run(args);
      return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  @Test
  void listShowsEveryModelWithItsParameterCount() {
    Run r = run("list");
    assertEquals(0, r.exit());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("resnet50 ") && l.contains(" classification ")
        && l.endsWith("25,557,032")), r.out());
    // torchvision's fcn_resnet50 with 21 classes and no auxiliary head: 32,957,013 parameters
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("fcn_resnet50 ") && l.contains(" segmentation ")
        && l.endsWith("32,957,013")), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("fcn8s ") && l.contains(" segmentation ")), r.out());
    assertEquals(ModelRegistry.list().size() + 1, r.out().lines().count());
  }

  @Test
  void inspectListsTensorsOfAValidFile() {
    Path file = tmp.resolve("resnet18.safetensors");
    StateDicts.save(Models.create("resnet18"), file);
    Run r = run("inspect", file.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("layer4.1.bn2.running_var") && r.out().contains("F32"), r.out());
    assertTrue(r.out().contains("num_batches_tracked") && r.out().contains("I64"), r.out());
  }

  @Test
  void inspectRejectsACorruptFileWithItsName() throws IOException {
    Path file = tmp.resolve("broken.safetensors");
    Files.write(file, new byte[] {100, 0, 0, 0, 0, 0, 0, 0, '{'});
    Run r = run("inspect", file.toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("broken.safetensors"), r.err());
    assertEquals("", r.out());
  }

  @Test
  void checkFixturesPassesAndFails() throws IOException {
    Path fixtures = Path.of("..", "shared", "fixtures", "torchvision");
    Path good = Files.createDirectory(tmp.resolve("good"));
    Files.copy(fixtures.resolve("resnet18.json"), good.resolve("resnet18.json"));
    Files.copy(fixtures.resolve("resnet18.output.safetensors"), good.resolve("resnet18.output.safetensors"));
    Files.writeString(good.resolve("other.json"), Files.readString(fixtures.resolve("resnet18.json"))
        .replace("\"model\": \"resnet18\"", "\"model\": \"not_a_model\""));
    Files.copy(fixtures.resolve("resnet18.output.safetensors"), good.resolve("other.output.safetensors"));
    Run pass = run("check-fixtures", good.toString());
    assertEquals(0, pass.exit(), pass.out() + pass.err());
    assertTrue(pass.out().lines().anyMatch(l -> l.startsWith("resnet18 ") && l.contains(" PASS ")), pass.out());
    assertTrue(pass.out().lines().anyMatch(l -> l.startsWith("other ") && l.contains(" UNSUPPORTED ")), pass.out());

    Path bad = Files.createDirectory(tmp.resolve("bad"));
    Files.writeString(bad.resolve("resnet18.json"), Files.readString(fixtures.resolve("resnet18.json"))
        .replace("\"num_params\": 11689512", "\"num_params\": 11689513"));
    Files.copy(fixtures.resolve("resnet18.output.safetensors"), bad.resolve("resnet18.output.safetensors"));
    Run fail = run("check-fixtures", bad.toString());
    assertEquals(1, fail.exit());
    assertTrue(fail.out().contains("FAIL") && fail.out().contains("parameter count 11689512 != reference 11689513"),
        fail.out());
  }

  @Test
  void checkFixturesRejectsAMissingFolder() {
    Run r = run("check-fixtures", tmp.resolve("nowhere").toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("not a folder"), r.err());
  }

  @Test
  void unknownModelInDemoSuggestsNames() {
    Run r = run("demo", "--model", "resnet5", "--steps", "1");
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("did you mean") && r.err().contains("resnet50"), r.err());
  }

  @Test
  void trainPredictAndEvalCheckTheModelBeforeReadingAnything() {
    for (String[] args : List.of(
        new String[] {"train", "--model", "resnet5", "--out", "/nonexistent/runs"},
        new String[] {"predict", "--model", "resnet5", "--weights", "/nonexistent/w.safetensors", "/nonexistent/a.png"},
        new String[] {"eval", "--model", "resnet5", "--weights", "/nonexistent/w.safetensors", "--data", "/nonexistent"})) {
      Run r = run(args);
      assertEquals(1, r.exit(), String.join(" ", args));
      assertTrue(r.err().contains("unknown model 'resnet5'") && r.err().contains("did you mean")
          && r.err().contains("resnet50"), r.err());
    }
    Run predict = run("predict", "--model", "resnet18", "/nonexistent/a.png");
    assertEquals(1, predict.exit());
    assertTrue(predict.err().contains("give --run, or --model and --weights"), predict.err());
    Run eval = run("eval", "--model", "resnet18", "--weights", "/nonexistent/w.safetensors");
    assertEquals(1, eval.exit());
    assertTrue(eval.err().contains("give a run directory, or --model, --weights and --data"), eval.err());
  }
}
