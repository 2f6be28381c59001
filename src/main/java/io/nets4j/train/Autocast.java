package io.nets4j.train;

import io.nets4j.tensor.NativeRuntime;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Automatic mixed precision on the CPU ({@code torch.autocast("cpu", dtype=torch.bfloat16)}):
 * while open on the current thread, libtorch runs convolutions, matrix products and linear
 * layers in bfloat16 and keeps precision-sensitive operations in float32. Parameters, gradients
 * and optimizer state stay float32 (they are the master weights). Autocast state is per thread,
 * so the region must open and close on the thread that runs the forward pass; the backward pass
 * runs after it closes, with the types the forward pass recorded.
 */
public final class Autocast implements AutoCloseable {
  static {
    NativeRuntime.load();
  }

  private final boolean previousEnabled;
  private final ScalarType previousType;
  private boolean closed;

  private Autocast(ScalarType type) {
    previousEnabled = torch.is_autocast_enabled(DeviceType.CPU);
    previousType = torch.get_autocast_dtype(DeviceType.CPU);
    torch.set_autocast_dtype(DeviceType.CPU, type);
    torch.set_autocast_enabled(DeviceType.CPU, true);
    torch.increment_nesting();
  }

  /** Opens a bfloat16 autocast region on this thread. */
  public static Autocast bfloat16() {
    return new Autocast(ScalarType.BFloat16);
  }

  /** Opens a bfloat16 region when {@code enabled}, else returns {@code null} (fine in try-with-resources). */
  public static Autocast bfloat16If(boolean enabled) {
    return enabled ? bfloat16() : null;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    // the cache holds the bfloat16 copies of the weights made in this region; they are stale
    // after the next optimizer step, so the outermost region drops them (as PyTorch does)
    if (torch.decrement_nesting() == 0) {
      torch.clear_cache();
    }
    torch.set_autocast_enabled(DeviceType.CPU, previousEnabled);
    torch.set_autocast_dtype(DeviceType.CPU, previousType);
  }
}
