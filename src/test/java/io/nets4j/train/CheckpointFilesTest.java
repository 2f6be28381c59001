package io.nets4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.io.SafeTensors;
import io.nets4j.io.SafeTensorsException;
import io.nets4j.io.SafeTensorsFile;
import io.nets4j.tensor.DType;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint directories are complete or absent, never partial; pointers and pruning behave. */
class CheckpointFilesTest {
  @TempDir
  Path tmp;

  private TrainResult train(Path run, int epochs) {
    torch.manual_seed(3);
    TinyNet net = new TinyNet(4);
    PatternDataset data = new PatternDataset(64, 16, 1);
    return new Trainer(net, "tiny", TrainConfig.builder(epochs).keepCheckpoints(2).build()).runDirectory(run)
        .progress(Trainer.ProgressMode.NONE).output(new PrintStream(OutputStream.nullOutputStream()))
        .classNames(data.classes()).normalization(PatternDataset.MEAN, PatternDataset.STD)
        .fit(LoaderBatches.training(data, 16, 1), LoaderBatches.evaluation(data, 32));
  }

  @Test
  void aRunWritesCompleteCheckpointsLogsAndPlots() throws IOException {
    Path run = tmp.resolve("run");
    TrainResult r = train(run, 3);
    Path checkpoints = run.resolve("checkpoints");
    Set<String> dirs = list(checkpoints);
    // the two latest are kept, plus the best (which may be one of them)
    assertTrue(dirs.containsAll(Set.of("step-00000008", "step-00000012", "latest.json", "best.json")), dirs.toString());
    assertFalse(dirs.stream().anyMatch(n -> n.contains("tmp")), "temporary files left: " + dirs);
    assertFalse(dirs.contains("step-00000004") && !r.bestCheckpoint().endsWith("step-00000004"),
        "old checkpoints are pruned");
    Path last = Checkpoints.resolve(run);
    assertEquals(checkpoints.resolve("step-00000012"), last);
    assertEquals(r.lastCheckpoint(), last);
    assertEquals(Set.of(Checkpoints.MODEL_FILE, Checkpoints.TRAINING_FILE, Checkpoints.INFO_FILE), list(last));
    CheckpointInfo info = Checkpoints.info(last);
    assertEquals(3, info.epoch());
    assertEquals(0, info.batch());
    assertEquals(12, info.step());
    assertEquals(3, info.history().size());
    SafeTensorsFile training = SafeTensors.read(last.resolve(Checkpoints.TRAINING_FILE));
    assertEquals(DType.UINT8, training.entry("optimizer.0").dtype());
    assertEquals(DType.UINT8, training.entry("rng.cpu").dtype());
    SafeTensorsFile model = SafeTensors.read(last.resolve(Checkpoints.MODEL_FILE));
    assertTrue(model.contains("features.1.running_mean"));
    assertEquals(Checkpoints.resolve(last), Checkpoints.resolve(last.resolve(Checkpoints.INFO_FILE)));
    assertEquals(r.bestCheckpoint(), Checkpoints.resolveBest(run));
    assertEquals(3, RunLog.readEpochs(run).size());
    for (String png : List.of("loss.png", "accuracy.png", "confusion.png", "predictions.png")) {
      assertTrue(Files.size(run.resolve("plots").resolve(png)) > 1000, png);
    }
    assertTrue(Files.readString(run.resolve("evaluation.json")).contains("\"confusion_matrix\""));
  }

  @Test
  void aFailedSaveLeavesNoDirectoryAndTheLatestPointerUnchanged() throws IOException {
    Path run = tmp.resolve("run");
    train(run, 1);
    Path checkpoints = run.resolve("checkpoints");
    String latestBefore = Files.readString(checkpoints.resolve(Checkpoints.LATEST));
    Set<String> before = list(checkpoints);
    // a model whose state cannot be written (an undefined buffer) fails half-way through the save
    TinyNet broken = new TinyNet(4) {
      {
        registerBuffer("undefined", new Tensor());
      }
    };
    TorchOptimizer opt = OptimizerSpec.sgd(0.1).build(broken);
    CheckpointInfo info = Checkpoints.info(Checkpoints.resolve(run));
    CheckpointInfo next = new CheckpointInfo(info.format(), info.model(), 9, 0, 99, info.config(), info.schedule(),
        opt.layout(), info.epochProgress(), null, 0, 0, List.of());
    assertThrows(SafeTensorsException.class, () -> Checkpoints.save(checkpoints, broken, opt, next));
    assertEquals(before, list(checkpoints), "no directory, temporary or final, is left");
    assertEquals(latestBefore, Files.readString(checkpoints.resolve(Checkpoints.LATEST)));
  }

  @Test
  void aRunJsonWithImpossibleSizesIsRefusedWhereItIsRead() throws IOException {
    String good = Files.readString(Path.of("src/test/resources/io/nets4j/fuzz/ReadersFuzzTestInputs/checkpointMetadata"
        + "/run.json"));
    Files.writeString(tmp.resolve(RunInfo.FILE), good);
    assertEquals(16, RunInfo.read(tmp).imageSize());
    Files.writeString(tmp.resolve(RunInfo.FILE), good.replaceFirst("\"imageSize\" : 16", "\"imageSize\" : 64000"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunInfo.read(tmp));
    assertTrue(e.getMessage().contains("run.json") && e.getMessage().contains("imageSize must be in [1, 4096], got"
        + " 64000"), e.getMessage());
  }

  @Test
  void missingCheckpointsGiveClearErrors() throws IOException {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoints.resolve(tmp));
    assertTrue(e.getMessage().contains("no checkpoint at"), e.getMessage());
    Path fake = tmp.resolve("checkpoints");
    Files.createDirectories(fake);
    Files.writeString(fake.resolve(Checkpoints.LATEST), "{\"checkpoint\":\"step-00000001\",\"step\":1,\"epoch\":0}");
    e = assertThrows(IllegalArgumentException.class, () -> Checkpoints.resolve(tmp));
    assertTrue(e.getMessage().contains("not a complete checkpoint"), e.getMessage());
  }

  @Test
  void atomicJsonWriteReplacesTheWholeFile() throws IOException {
    Path f = tmp.resolve("a.json");
    AtomicFiles.writeString(f, "{\"long\": \"" + "x".repeat(10_000) + "\"}");
    AtomicFiles.writeString(f, "{}");
    assertEquals("{}", Files.readString(f));
    assertEquals(Set.of("a.json"), list(tmp));
  }

  private static Set<String> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
  }
}
