package io.nets4j.detection;

import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.F;
import io.nets4j.nn.Init;
import io.nets4j.nn.Module;
import io.nets4j.nn.ModuleList;
import io.nets4j.nn.Sequential;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Feature Pyramid Network (Lin et al. 2017, "Feature Pyramid Networks for Object Detection"): 1x1
 * lateral convolutions ({@code inner_blocks}) merged top-down with nearest-neighbour upsampling,
 * then 3x3 output convolutions ({@code layer_blocks}); torchvision's {@code LastLevelMaxPool} adds
 * a level {@code pool} by 1x1 max pooling with stride 2 of the coarsest output.
 */
public final class FeaturePyramidNetwork extends Module {
  private final ModuleList<Sequential> innerBlocks;
  private final ModuleList<Sequential> layerBlocks;
  private final int[] inChannels;

  public FeaturePyramidNetwork(int[] inChannels, int outChannels) {
    this.inChannels = inChannels.clone();
    innerBlocks = register("inner_blocks", new ModuleList<>());
    layerBlocks = register("layer_blocks", new ModuleList<>());
    for (int c : inChannels) {
      innerBlocks.add(new Sequential(new Conv2d(c, outChannels, ConvSpec.kernel(1))));
    }
    for (int ignored : inChannels) {
      layerBlocks.add(new Sequential(new Conv2d(outChannels, outChannels, ConvSpec.kernel(3).padding(1))));
    }
    // torchvision's FPN init: kaiming_uniform_(a=1), i.e. U(-sqrt(3 / fan_in), sqrt(3 / fan_in)), zero biases.
    for (Module m : namedModules().values()) {
      if (m instanceof Conv2d c) {
        double bound = Math.sqrt(3.0 / Init.fanIn(c.weight()));
        Init.uniform(c.weight(), -bound, bound);
        Init.zeros(c.bias());
      }
    }
  }

  /** Pyramid levels, finest first, plus the extra {@code pool} level last. */
  public List<Tensor> forward(List<Tensor> features) {
    if (features.size() != inChannels.length) {
      throw new IllegalArgumentException(path() + ": expected " + inChannels.length + " feature maps, got "
          + features.size());
    }
    for (int i = 0; i < features.size(); i++) {
      Tensor x = features.get(i);
      if (x.dim() != 4 || x.size(1) != inChannels[i]) {
        throw new IllegalArgumentException(path() + ": feature map " + i + " must be [N, " + inChannels[i]
            + ", H, W], got " + Tensors.describe(x));
      }
    }
    int last = features.size() - 1;
    Tensor lastInner = innerBlocks.get(last).forward(features.get(last));
    List<Tensor> results = new ArrayList<>();
    results.add(layerBlocks.get(last).forward(lastInner));
    for (int i = last - 1; i >= 0; i--) {
      Tensor lateral = innerBlocks.get(i).forward(features.get(i));
      Tensor topDown = F.interpolate(lastInner, (int) lateral.size(2), (int) lateral.size(3), "nearest", false);
      lastInner = lateral.add(topDown);
      results.add(0, layerBlocks.get(i).forward(lastInner));
    }
    results.add(F.maxPool2d(results.get(results.size() - 1), 1, 2, 0, false));
    return results;
  }
}
