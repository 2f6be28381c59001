package io.nets4j.cli;

import io.nets4j.io.WeightsFile;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code nets4j inspect FILE}: validates a weights file (safetensors or torch.save) and lists its tensors. */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Validate a weights file (.safetensors, or a torch.save .pth, told apart by"
    + " content) and list its tensors.")
final class InspectCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "the weights file") Path file;

  @Mixin StateDictSelection selection;

  @Override
  public Integer call() {
    System.out.print(WeightsFile.open(file, selection.options()).describe());
    return 0;
  }
}
