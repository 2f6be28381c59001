package io.nets4j.cli;

import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Option;

/** {@code --threads}: libtorch's intra-op threads (a picocli mixin). */
final class ThreadsOption {
  @Option(names = "--threads", paramLabel = "N",
      description = "libtorch intra-op threads; 0 = libtorch's default (default: ${DEFAULT-VALUE})") int value;

  ThreadsOption(int value) {
    this.value = value;
  }

  /** Sets libtorch's thread count unless it is 0 (libtorch's own choice); a negative count is refused. */
  void apply() {
    if (value < 0) {
      throw new IllegalArgumentException("--threads must not be negative, got " + value);
    }
    if (value > 0) {
      torch.set_num_threads(value);
    }
  }
}
