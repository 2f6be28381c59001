package io.nets4j.analysis;

/**
 * The geometry of a sliding-window layer (convolution, pooling) along height and width: what the
 * receptive-field computation needs to know of it.
 *
 * @param kernelH window height
 * @param kernelW window width
 * @param strideH vertical stride (for a transposed convolution: the upsampling factor)
 * @param strideW horizontal stride
 * @param dilationH vertical dilation
 * @param dilationW horizontal dilation
 * @param transposed whether the window is that of a transposed (fractionally strided) convolution
 */
public record Window(int kernelH, int kernelW, int strideH, int strideW, int dilationH, int dilationW,
    boolean transposed) {

  public Window {
    if (kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1) {
      throw new IllegalArgumentException("invalid window: kernel " + kernelH + "x" + kernelW + ", stride "
          + strideH + "x" + strideW + ", dilation " + dilationH + "x" + dilationW);
    }
  }

  /** A square window without dilation. */
  public static Window square(int kernel, int stride) {
    return new Window(kernel, kernel, stride, stride, 1, 1, false);
  }

  /** A window that leaves the receptive field unchanged (1x1, stride 1). */
  public static Window identity() {
    return square(1, 1);
  }
}
