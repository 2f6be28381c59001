package io.nets4j.train;

import io.nets4j.tensor.Autocast;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.io.OutputStream;
import java.io.PrintStream;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** bfloat16 autocast on the CPU: really in bfloat16, close to float32, and training stays finite. */
class Bf16Test {
  private static final PatternDataset DATA = new PatternDataset(256, 16, 4);

  @Test
  void autocastRunsConvolutionsInBfloat16WithALossCloseToFloat32() {
    torch.manual_seed(0);
    TinyNet net = new TinyNet(4);
    net.eval();
    LabeledBatch b = LoaderBatches.evaluation(DATA, 64).open(0, 0).next();
    Tensor logits32 = net.forward(b.images());
    double loss32 = TrainingLoss.crossEntropy(logits32, b.labels(), 0).item_double();
    Tensor logits16;
    try (Autocast a = Autocast.bfloat16()) {
      logits16 = net.forward(b.images());
    }
    assertEquals(DType.BFLOAT16, Tensors.dtype(logits16), "the forward pass ran in bfloat16");
    assertFalse(torch.is_autocast_enabled(torch.DeviceType.CPU), "autocast is off after the region");
    assertEquals(DType.FLOAT32, Tensors.dtype(net.forward(b.images())));
    double loss16 = TrainingLoss.crossEntropy(logits16, b.labels(), 0).item_double();
    System.out.printf("loss float32 %.6f, bf16 autocast %.6f%n", loss32, loss16);
    assertTrue(Double.isFinite(loss16));
    // bfloat16 keeps 8 significant bits: about 0.4% relative error per operation
    assertEquals(loss32, loss16, 0.01 * loss32, "bf16 loss " + loss16 + " vs float32 " + loss32);
    assertTrue(Tensors.maxAbsDiff(logits32, logits16) > 0, "bf16 is not float32");
  }

  @Test
  void trainingUnderAutocastMatchesFloat32Closely() {
    double[] last = new double[2];
    for (int i = 0; i < 2; i++) {
      torch.manual_seed(0);
      TinyNet net = new TinyNet(4);
      TrainResult r = new Trainer(net, "tiny", TrainConfig.builder(3).optimizer(OptimizerSpec.adamw(0.01))
          .bf16(i == 1).build()).progress(Trainer.ProgressMode.NONE).output(new PrintStream(OutputStream.nullOutputStream()))
          .fit(LoaderBatches.training(DATA, 32, 0), LoaderBatches.evaluation(DATA, 64));
      r.history().forEach(e -> assertTrue(Double.isFinite(e.trainLoss()), e.toString()));
      assertEquals(DType.FLOAT32, net.dtype(), "master weights stay float32");
      last[i] = r.history().get(2).trainLoss();
    }
    System.out.printf("last epoch train loss float32 %.4f, bf16 autocast %.4f%n", last[0], last[1]);
    assertTrue(last[1] < 1.2, "bf16 training learns: last epoch loss " + last[1]);
    assertEquals(last[0], last[1], 0.05, "bf16 " + last[1] + " vs float32 " + last[0]);
  }
}
