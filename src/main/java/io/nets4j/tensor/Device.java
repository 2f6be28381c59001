package io.nets4j.tensor;

import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Where tensors live and computations run: the CPU or one CUDA GPU, spelled as PyTorch spells
 * {@code torch.device} ({@code "cpu"}, {@code "cuda"}, {@code "cuda:1"}).
 *
 * <p>The CPU build of {@code org.bytedeco:pytorch} has no CUDA kernels; {@link #require} says which
 * artifacts to add when a GPU is asked for without them.
 *
 * @param type {@code cpu} or {@code cuda}
 * @param index the CUDA device number (0 for {@code "cuda"}); -1 for the CPU
 */
public record Device(Type type, int index) {
  /** The kinds of device nets4j runs on. */
  public enum Type {
    CPU, CUDA
  }

  /** The CPU. */
  public static final Device CPU = new Device(Type.CPU, -1);

  /** What to put on the class path to run on a GPU (the bytedeco pytorch presets' GPU build). */
  static final String CUDA_ARTIFACTS = "add the linux-x86_64-gpu classifier of org.bytedeco:pytorch "
      + "(org.bytedeco:pytorch:2.10.0-1.5.13:linux-x86_64-gpu) together with org.bytedeco:cuda "
      + "(its linux-x86_64-redist classifier, or a CUDA installation) to the class path, and run on a machine "
      + "with an NVIDIA driver";

  public Device {
    if (type == Type.CPU && index != -1) {
      throw new IllegalArgumentException("the CPU has no device index, got " + index);
    }
    if (type == Type.CUDA && index < 0) {
      throw new IllegalArgumentException("a CUDA device index must be 0 or more, got " + index);
    }
  }

  /**
   * Parses {@code cpu}, {@code cuda} (device 0) or {@code cuda:N}, case-insensitively.
   *
   * @throws IllegalArgumentException naming the text and the accepted forms
   */
  public static Device parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("cpu")) {
      return CPU;
    }
    if (t.equals("cuda")) {
      return new Device(Type.CUDA, 0);
    }
    if (t.startsWith("cuda:")) {
      String n = t.substring(5);
      if (!n.isEmpty() && n.length() <= 4 && n.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return new Device(Type.CUDA, Integer.parseInt(n));
      }
    }
    throw new IllegalArgumentException("unknown device '" + text + "' (expected cpu, cuda or cuda:N with N a device "
        + "number, such as cuda:0)");
  }

  /** Whether this is the CPU. */
  public boolean isCpu() {
    return type == Type.CPU;
  }

  /**
   * This device if the loaded natives can run on it; otherwise an {@link IllegalStateException}
   * that says what is missing (the CUDA build of libtorch, or a GPU with that number).
   */
  public Device require() {
    if (isCpu()) {
      return this;
    }
    NativeRuntime.load();
    return require(torch::cuda_is_available, torch::cuda_device_count);
  }

  /** {@link #require()} against the given answers of libtorch (so that the messages are testable without a GPU). */
  Device require(BooleanSupplier cudaAvailable, IntSupplier cudaDevices) {
    if (isCpu()) {
      return this;
    }
    if (!cudaAvailable.getAsBoolean()) {
      throw new IllegalStateException("device " + this + " asked for, but the loaded libtorch natives have no CUDA "
          + "(the CPU build of org.bytedeco:pytorch is on the class path): " + CUDA_ARTIFACTS
          + "; or use the device cpu");
    }
    int count = cudaDevices.getAsInt();
    if (index >= count) {
      throw new IllegalStateException("device " + this + " asked for, but libtorch sees " + count + " CUDA device"
          + (count == 1 ? "" : "s") + (count > 0 ? " (cuda:0" + (count > 1 ? " to cuda:" + (count - 1) : "") + ")" : ""));
    }
    return this;
  }

  /** {@code t} on this device ({@code t} itself when it is there already). */
  public Tensor put(Tensor t) {
    return isCpu() && t.is_cpu() ? t : t.to(torchDevice(), t.scalar_type());
  }

  /** libtorch's device object, for {@code Tensor.to}. */
  public org.bytedeco.pytorch.Device torchDevice() {
    return new org.bytedeco.pytorch.Device(toString());
  }

  /** PyTorch's spelling: {@code cpu} or {@code cuda:N}. */
  @Override
  public String toString() {
    return isCpu() ? "cpu" : "cuda:" + index;
  }
}
