package io.nets4j.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** The training loop learns a small task: the loss falls and validation accuracy is far above chance. */
class TrainerLearnsTest {
  @Test
  void learnsPatterns() {
    torch.manual_seed(1);
    TinyNet net = new TinyNet(4);
    PatternDataset train = new PatternDataset(640, 16, 1);
    PatternDataset val = new PatternDataset(256, 16, 2);
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    List<Double> losses = new ArrayList<>();
    TrainConfig config = TrainConfig.builder(4).optimizer(OptimizerSpec.adamw(0.01))
        .schedule(ScheduleSpec.cosine().withWarmup(0.5, 0.1)).build();
    TrainResult r = new Trainer(net, "tiny", config).progress(Trainer.ProgressMode.PLAIN)
        .output(new PrintStream(text, true, StandardCharsets.UTF_8)).onStep(s -> losses.add(s.loss()))
        .fit(LoaderBatches.training(train, 32, 1), LoaderBatches.evaluation(val, 64));
    System.out.print(text.toString(StandardCharsets.UTF_8));
    assertTrue(losses.size() == 80, "steps " + losses.size());
    double first = losses.subList(0, 10).stream().mapToDouble(d -> d).average().orElseThrow();
    double last = losses.subList(70, 80).stream().mapToDouble(d -> d).average().orElseThrow();
    assertTrue(last < 0.6 * first, "loss " + first + " -> " + last);
    assertTrue(r.lastEvaluation().top1() > 0.7, "validation accuracy " + r.lastEvaluation().top1() + " (chance 0.25)");
  }
}
