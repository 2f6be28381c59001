package io.nets4j.captioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.train.TrainingRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hard attention trains with a REINFORCE baseline that the loss carries from step to step: a run
 * resumed from a mid-run checkpoint continues exactly only if the checkpoint holds the baseline too.
 */
class CaptionResumeTest {
  @TempDir
  Path tmp;

  private static final CaptionTraining.Config CONFIG = CaptionTraining.Config.builder(ShowAttendTell.Kind.HARD, 0)
      .optimiser(6, 4, 2e-3).scenes(16, 12, 4).build();

  private static ShowAttendTell model(long seed) {
    torch.manual_seed(seed);
    return CaptionTraining.model(CONFIG.kind(), CONFIG.imageSize());
  }

  @Test
  void hardAttentionResumesExactly() throws IOException {
    CaptionTraining.Corpus data = CaptionTraining.Corpus.generate(CONFIG.trainImages(), CONFIG.imageSize(), 1);
    CaptionTraining.Corpus monitor = CaptionTraining.Corpus.generate(CONFIG.testImages(), CONFIG.imageSize(), 2);
    ShowAttendTell straight = model(0);
    double full = CaptionTraining.train(straight, data, monitor, CONFIG, p -> { }, TrainingRun.quiet());

    Path run = tmp.resolve("run");
    CaptionTraining.train(model(0), data, monitor, CONFIG, p -> { },
        TrainingRun.builder().runDirectory(run).checkpointEvery(3).build());
    Path mid = run.resolve("checkpoints").resolve("step-00000003");
    assertTrue(Files.isDirectory(mid), "checkpoint of step 3");
    assertTrue(Files.readString(mid.resolve("checkpoint.json")).contains("baseline_started"),
        "the checkpoint holds the REINFORCE baseline");
    ShowAttendTell resumed = model(77);
    double rest = CaptionTraining.train(resumed, data, monitor, CONFIG, p -> { },
        TrainingRun.builder().runDirectory(tmp.resolve("again")).resumeFrom(mid).build());
    assertEquals(full, rest, 0.0);
    Map<String, Tensor> a = straight.stateDict();
    Map<String, Tensor> b = resumed.stateDict();
    for (String k : a.keySet()) {
      assertTrue(a.get(k).equal(b.get(k)), "tensor " + k + " differs");
    }
  }
}
