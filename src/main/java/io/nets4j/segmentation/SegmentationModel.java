package io.nets4j.segmentation;

import io.nets4j.nn.Layer;
import io.nets4j.tensor.Tensors;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * The uniform API of semantic segmentation models: an image batch {@code [N, C, H, W]} in, class
 * scores per pixel {@code [N, classes, H, W]} out, at the input's resolution.
 *
 * <p>{@link #forward} returns the main map ({@code "out"}), as the reference fixtures do;
 * {@link #forwardOutputs} also returns auxiliary maps used by training losses.
 */
public abstract class SegmentationModel extends Layer {
  /** Key of the main output map. */
  public static final String OUT = "out";
  /** Key of the auxiliary output map, when the model has an auxiliary head. */
  public static final String AUX = "aux";

  private final int numClasses;
  private final int inChannels;

  /** A model of {@code options.numClasses()} classes on images of {@code options.inChannels()} channels. */
  protected SegmentationModel(SegmentationOptions options) {
    numClasses = options.numClasses();
    inChannels = options.inChannels();
  }

  /** The named output maps, {@link #OUT} first, each {@code [N, numClasses, H, W]}. */
  public abstract Map<String, Tensor> forwardOutputs(Tensor x);

  /** The classes of the per-pixel output. */
  public final int numClasses() {
    return numClasses;
  }

  /** The channels of the input images. */
  public final int inChannels() {
    return inChannels;
  }

  @Override
  protected Tensor compute(Tensor x) {
    return forwardOutputs(x).get(OUT);
  }

  /** Fails unless {@code x} is an image batch {@code [N, inChannels, H, W]}. */
  protected final void checkInput(Tensor x) {
    if (x.dim() != 4 || x.size(1) != inChannels()) {
      throw fail("expected an image batch [N, " + inChannels() + ", H, W], got " + Tensors.describe(x));
    }
  }
}
