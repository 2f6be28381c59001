package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.tensor.CpuCapabilities;
import io.nets4j.tensor.NativeRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared training options (--run-dir, --resume, --bf16, --clip-grad, --progress) and --device. */
class TrainingRunOptionsTest {
  @TempDir
  Path tmp;

  private static final String[] LM = {"lm", "--corpus-size", "4000", "--length", "16", "--width", "16", "--models",
      "lstm"};

  private static String[] lm(String... more) {
    String[] all = new String[LM.length + more.length];
    System.arraycopy(LM, 0, all, 0, LM.length);
    System.arraycopy(more, 0, all, LM.length, more.length);
    return all;
  }

  /** lm writes checkpoints and logs per model, shows progress, and --resume continues from the checkpoint. */
  @Test
  void lmCheckpointsShowsProgressAndResumes() {
    Path run = tmp.resolve("lm-run");
    CliTest.Run first = CliTest.run(lm("--steps", "4", "--run-dir", run.toString(), "--progress", "plain",
        "--clip-grad", "1"));
    assertEquals(0, first.exit(), first.err());
    assertTrue(Files.isRegularFile(run.resolve("lstm").resolve("checkpoints").resolve("latest.json")));
    assertTrue(Files.isRegularFile(run.resolve("lstm").resolve("metrics.jsonl")));
    assertTrue(first.out().contains(" 4/4  loss "), first.out());
    CliTest.Run again = CliTest.run(lm("--steps", "6", "--resume", run.toString(), "--clip-grad", "1"));
    assertEquals(0, again.exit(), again.err());
    assertTrue(again.out().contains("at step 4 of 6"), again.out());
    // other numerics than the run's are refused, naming them
    CliTest.Run other = CliTest.run(lm("--steps", "8", "--resume", run.toString()));
    assertNotEquals(0, other.exit());
    assertTrue(other.err().contains("numerics"), other.err());
  }

  @Test
  void badDeviceAndMissingCudaAreClearErrors() {
    CliTest.Run bad = CliTest.run("seq2seq", "--steps", "1", "--device", "gpu");
    assertNotEquals(0, bad.exit());
    assertTrue(bad.err().contains("unknown device 'gpu'"), bad.err());
    NativeRuntime.load();
    if (!torch.cuda_is_available()) {
      CliTest.Run cuda = CliTest.run(lm("--steps", "1", "--device", "cuda:0"));
      assertNotEquals(0, cuda.exit());
      assertTrue(cuda.err().contains("linux-x86_64-gpu"), cuda.err());
      Path runs = tmp.resolve("runs");
      CliTest.Run train = CliTest.run("train", "--data", "shapes", "--model", "resnet18", "--size", "16",
          "--train-size", "64", "--val-size", "32", "--batch", "16", "--epochs", "1", "--device", "cuda",
          "--out", runs.toString(), "--name", "gpu");
      assertNotEquals(0, train.exit());
      assertTrue(train.err().contains("linux-x86_64-gpu"), train.err());
      assertTrue(!Files.exists(runs.resolve("gpu")), "no run directory is left behind");
    }
  }

  @Test
  void bf16IsRefusedInOneSentenceWhereTheCpuCannotRunIt() {
    try (CpuCapabilities.Restorer r = CpuCapabilities.override(CpuCapabilities.assuming(
        EnumSet.of(CpuCapabilities.Feature.AVX2)))) {
      CliTest.Run refused = CliTest.run(lm("--steps", "1", "--bf16"));
      assertNotEquals(0, refused.exit());
      assertTrue(refused.err().contains("--bf16 is refused on this CPU"), refused.err());
    }
    CliTest.Run negative = CliTest.run(lm("--steps", "1", "--clip-grad", "-1"));
    assertNotEquals(0, negative.exit());
    assertTrue(negative.err().contains("--clip-grad"), negative.err());
  }

  /** segment train checkpoints into its run directory; --resume of a finished run trains nothing and evaluates again. */
  @Test
  void segmentTrainCheckpointsAndResumes() {
    String[] args = {"segment", "train", "--size", "16", "--width", "0.0625", "--mosaic", "1", "--steps", "2",
        "--eval-every", "1", "--train-size", "8", "--val-size", "2", "--test-size", "3", "--out", tmp.toString(),
        "--name", "seg", "--progress", "plain"};
    CliTest.Run first = CliTest.run(args);
    assertEquals(0, first.exit(), first.err());
    assertTrue(first.out().contains(" 2/2  loss "), first.out());
    Path run = tmp.resolve("seg");
    assertTrue(Files.isRegularFile(run.resolve("checkpoints").resolve("latest.json")));
    String[] again = java.util.Arrays.copyOf(args, args.length + 1);
    again[args.length] = "--resume";
    CliTest.Run resumed = CliTest.run(again);
    assertEquals(0, resumed.exit(), resumed.err());
    assertTrue(resumed.out().contains("at step 2 of 2 (finished: nothing to train)"), resumed.out());
  }
}
