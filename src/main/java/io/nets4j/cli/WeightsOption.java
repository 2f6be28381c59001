package io.nets4j.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --weights}: a state_dict file, or a run directory where the command takes one (a picocli mixin). */
final class WeightsOption {
  @Option(names = "--weights", paramLabel = "FILE|RUN",
      description = "weights: a state_dict (safetensors or a PyTorch .pth), or a run directory where the command takes one") Path value;
}
