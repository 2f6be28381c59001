package io.nets4j.cli;

import io.nets4j.io.SafeTensors;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code nets4j inspect FILE}: validates a safetensors file and lists its tensors. */
@Command(name = "inspect", description = "Validate a .safetensors file and list its tensors and metadata.")
final class InspectCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "the .safetensors file")
  Path file;

  @Override
  public Integer call() {
    System.out.print(SafeTensors.describe(SafeTensors.read(file)));
    return 0;
  }
}
