package io.nets4j.tensor;

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
  private final boolean enabled;
  private boolean closed;

  private Autocast(boolean enabled, ScalarType type) {
    previousEnabled = torch.is_autocast_enabled(DeviceType.CPU);
    previousType = torch.get_autocast_dtype(DeviceType.CPU);
    this.enabled = enabled;
    torch.set_autocast_dtype(DeviceType.CPU, type);
    torch.set_autocast_enabled(DeviceType.CPU, enabled);
    if (enabled) {
      torch.increment_nesting();
    }
  }

  /** Opens a bfloat16 autocast region on this thread. */
  public static Autocast bfloat16() {
    return new Autocast(true, ScalarType.BFloat16);
  }

  /** Opens a bfloat16 region when {@code enabled}, else returns {@code null} (fine in try-with-resources). */
  public static Autocast bfloat16If(boolean enabled) {
    return enabled ? bfloat16() : null;
  }

  /**
   * Opens a region where autocast is off ({@code torch.autocast("cpu", enabled=False)}), for an
   * operation that must run in the types it is given inside a bfloat16 region.
   */
  public static Autocast suspended() {
    return new Autocast(false, torch.get_autocast_dtype(DeviceType.CPU));
  }

  /** Whether a bfloat16 autocast region is open on this thread. */
  public static boolean bfloat16Active() {
    // JavaCPP returns native enums as fresh instances: compare their values
    return torch.is_autocast_enabled(DeviceType.CPU)
        && torch.get_autocast_dtype(DeviceType.CPU).value == ScalarType.BFloat16.value;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    // the cache holds the bfloat16 copies of the weights made in this region; they are stale
    // after the next optimizer step, so the outermost region drops them (as PyTorch does)
    if (enabled && torch.decrement_nesting() == 0) {
      torch.clear_cache();
    }
    torch.set_autocast_enabled(DeviceType.CPU, previousEnabled);
    torch.set_autocast_dtype(DeviceType.CPU, previousType);
  }
}
