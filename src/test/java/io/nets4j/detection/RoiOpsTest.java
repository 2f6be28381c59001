package io.nets4j.detection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.parity.FillRule;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.util.function.Function;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class RoiOpsTest {
  private final DetFixture f = new DetFixture("roi_ops");

  @Test
  void roiPoolMatchesTorchvision() {
    f.assertClose("roi_pool_7x7_scale_0.125", RoiOps.roiPool(f.tensor("features"), f.tensor("rois"), 7, 7, 0.125), 1e-9);
  }

  @Test
  void roiAlignMatchesTorchvisionForEverySetting() {
    for (int sr : new int[] {0, 2}) {
      for (int aligned = 0; aligned < 2; aligned++) {
        String key = "roi_align_7x7_scale_0.125_sr" + sr + "_aligned" + aligned;
        f.assertClose(key, RoiOps.roiAlign(f.tensor("features"), f.tensor("rois"), 7, 7, 0.125, sr, aligned == 1), 1e-9);
      }
    }
  }

  @Test
  void roiAlignGradientMatchesFiniteDifferences() {
    Tensor rois = Tensors.fromDoubles(new double[] {0, 1.3, 0.7, 9.6, 7.9, 0, -2, 3, 5, 20}, 2, 5);
    checkGradient(x -> RoiOps.roiAlign(x, rois, 3, 2, 0.5, 0, true));
    checkGradient(x -> RoiOps.roiAlign(x, rois, 3, 2, 0.5, 2, false));
  }

  @Test
  void roiPoolGradientMatchesFiniteDifferences() {
    Tensor rois = Tensors.fromDoubles(new double[] {0, 1.3, 0.7, 9.6, 7.9, 0, -2, 3, 5, 20}, 2, 5);
    checkGradient(x -> RoiOps.roiPool(x, rois, 3, 2, 0.5));
  }

  private static void checkGradient(Function<Tensor, Tensor> op) {
    long[] shape = {1, 2, 6, 7};
    Tensor x = FillRule.input(shape).to(org.bytedeco.pytorch.global.torch.ScalarType.Double);
    Tensor probe = op.apply(x).detach();
    Tensor w = FillRule.tensor("probe", Tensors.shape(probe)).to(org.bytedeco.pytorch.global.torch.ScalarType.Double);
    Tensor leaf = x.clone().set_requires_grad(true);
    op.apply(leaf).mul(w).sum().backward();
    double[] grad = Tensors.toDoubleArray(leaf.grad());
    double[] base = Tensors.toDoubleArray(x);
    double eps = 1e-6;
    double maxErr = 0;
    double maxGrad = 0;
    for (int i = 0; i < base.length; i++) {
      double[] plus = base.clone();
      double[] minus = base.clone();
      plus[i] += eps;
      minus[i] -= eps;
      double fp = op.apply(Tensors.fromDoubles(plus, shape)).mul(w).sum().item_double();
      double fm = op.apply(Tensors.fromDoubles(minus, shape)).mul(w).sum().item_double();
      maxErr = Math.max(maxErr, Math.abs((fp - fm) / (2 * eps) - grad[i]));
      maxGrad = Math.max(maxGrad, Math.abs(grad[i]));
    }
    assertTrue(maxGrad > 1e-3, "some gradient reaches the features: " + maxGrad);
    assertTrue(maxErr < 1e-6, "gradient error " + maxErr);
  }

  @Test
  void sppGivesFixedLengthForAnySize() {
    SpatialPyramidPooling spp = new SpatialPyramidPooling(1, 2, 4);
    for (long[] s : new long[][] {{2, 3, 9, 13}, {2, 3, 4, 4}, {2, 3, 31, 5}}) {
      Tensor y = spp.forward(FillRule.input(s));
      assertArrayEquals(new long[] {2, 3 * 21}, Tensors.shape(y));
    }
    Tensor x = FillRule.input(new long[] {1, 1, 4, 4});
    double[] y = Tensors.toDoubleArray(spp.forward(x).to(org.bytedeco.pytorch.global.torch.ScalarType.Double));
    double[] v = Tensors.toDoubleArray(x.to(org.bytedeco.pytorch.global.torch.ScalarType.Double));
    double max = java.util.Arrays.stream(v).max().orElseThrow();
    assertTrue(y[0] == max, "the 1x1 level is the global maximum");
    assertArrayEquals(v, java.util.Arrays.copyOfRange(y, 5, 21), "the 4x4 level of a 4x4 map is the map");
  }

  @Test
  void wrongShapesAreNamed() {
    Tensor feats = Tensors.zeros(DType.FLOAT64, 1, 2, 5, 5);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RoiOps.roiAlign(feats, Tensors.zeros(DType.FLOAT64, 3, 4), 2, 2, 1, 0, false));
    assertTrue(e.getMessage().contains("[K, 5]"), e.getMessage());
    IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
        () -> RoiOps.roiPool(feats, Tensors.fromDoubles(new double[] {3, 0, 0, 1, 1}, 1, 5), 2, 2, 1));
    assertTrue(b.getMessage().contains("batch index 3"), b.getMessage());
    SpatialPyramidPooling spp = new SpatialPyramidPooling(1, 2);
    RuntimeException s = assertThrows(RuntimeException.class, () -> spp.forward(Tensors.zeros(DType.FLOAT32, 2, 5)));
    assertTrue(s.getMessage().contains("[N, C, H, W]"), s.getMessage());
  }
}
