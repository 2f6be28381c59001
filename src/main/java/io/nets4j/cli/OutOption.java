package io.nets4j.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --out}: the file or directory a command writes (a picocli mixin). */
final class OutOption {
  @Option(names = "--out", paramLabel = "PATH", description = "where the output goes (a file or a directory; see above)") Path value;

  /** No default: the command says what it writes without {@code --out}, or requires it. */
  OutOption() {}

  OutOption(String value) {
    this.value = Path.of(value);
  }

  /** {@code --out}, failing with {@code what} (what the command writes there) when it is not given. */
  Path required(String what) {
    if (value == null) {
      throw new IllegalArgumentException("--out is required (" + what + ")");
    }
    return value;
  }
}
