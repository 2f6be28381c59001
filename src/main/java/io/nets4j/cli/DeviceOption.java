package io.nets4j.cli;

import io.nets4j.tensor.Device;
import picocli.CommandLine.Option;

/**
 * Where the model and its inputs live (a picocli mixin): {@code --device cpu|cuda|cuda:N}. Asking
 * for a GPU without the CUDA build of libtorch fails with what to add ({@link Device#require}).
 */
final class DeviceOption {
  @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|cuda|cuda:N",
      description = "where the model and its batches run (default: ${DEFAULT-VALUE})") String device;

  /** The parsed device, checked against the loaded natives. */
  Device device() {
    return Device.parse(device).require();
  }
}
