package io.nets4j.serve;

import io.nets4j.data.ImageFiles;
import io.nets4j.data.RgbImage;
import io.nets4j.tensor.Tensors;
import java.util.List;
import java.util.Map;

/**
 * A model behind the server: what its KServe v2 metadata says (one FP32 image input, named
 * outputs), how an uploaded image becomes its input, how a batch of inputs runs, and how one
 * input's outputs become the answer to a TorchServe-style image request.
 *
 * <p>{@link #run} is called by the batcher's workers, possibly from several threads at once (the
 * modules are in evaluation mode and only read their weights); every tensor it creates is freed
 * before it returns.
 */
public interface ServedModel {
  /** The name in the URLs ({@code /v2/models/NAME}, {@code /predictions/NAME}). */
  String name();

  /** The KServe {@code platform}: {@code nets4j_classification}, {@code nets4j_detection}, ... */
  String platform();

  /** The one input, {@code [-1, C, H, W]}; {@code -1} for the batch and for sides of any size. */
  TensorSpec input();

  /** The outputs for a batch, {@code -1} where sizes vary. */
  List<TensorSpec> outputs();

  /** The model input of a decoded upload. */
  Sample fromImage(RgbImage image);

  /** Each sample's outputs (without the batch dimension), in the order of {@code batch}. */
  List<Map<String, TensorData>> run(List<Sample> batch);

  /**
   * The answer to an image request from the outputs of its one sample; {@code accept} is the
   * request's {@code Accept} header (or empty), {@code topK} how many classes to return.
   */
  Reply imageReply(Map<String, TensorData> outputs, String accept, int topK);

  /**
   * Fails with a 400 unless one sample of a tensor request, {@code [C, H, W]}, fits {@link #input}:
   * fixed sides equal, free sides positive and at most {@link ImageFiles#MAX_PIXELS} pixels.
   */
  default void checkSample(long[] shape) {
    long[] want = input().shape();
    boolean fits = shape.length == want.length - 1;
    for (int i = 0; fits && i < shape.length; i++) {
      fits = want[i + 1] == -1 ? shape[i] > 0 : shape[i] == want[i + 1];
    }
    if (!fits) {
      throw ServeException.badRequest("input '" + input().name() + "' of " + name() + " is "
          + Tensors.describe(want) + ", got a sample of " + Tensors.describe(shape));
    }
    if (shape.length == 3 && shape[1] > ImageFiles.MAX_PIXELS / shape[2]) {
      throw new ServeException(413, "input '" + input().name() + "' of " + shape[1] + "x" + shape[2]
          + " pixels is larger than the limit of " + ImageFiles.MAX_PIXELS + " pixels");
    }
  }
}
