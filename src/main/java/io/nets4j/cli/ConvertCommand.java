package io.nets4j.cli;

import io.nets4j.io.PyTorchFile;
import io.nets4j.io.SafeTensors;
import io.nets4j.tensor.Scope;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code nets4j convert IN.pth OUT.safetensors}: a {@code torch.save} state_dict as safetensors.
 * The input is read without running any of its pickle (a file that would run code is refused and
 * nothing is written); the output is written atomically.
 */
@Command(name = "convert", mixinStandardHelpOptions = true, description = "Convert a torch.save file (.pth, zip or legacy format) to safetensors,"
    + " refusing any file whose pickle would run code.")
final class ConvertCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "IN", description = "the torch.save file") Path in;

  @Parameters(index = "1", paramLabel = "OUT", description = "the safetensors file to write") Path out;

  @Mixin StateDictSelection selection;

  @Override
  public Integer call() {
    PyTorchFile file = PyTorchFile.open(in, selection.options());
    try (Scope scope = Scope.open()) {
      Map<String, Tensor> tensors = file.tensors();
      SafeTensors.write(out, tensors, Map.of("format", "pt"));
      System.out.println(in.getFileName() + " -> " + out + ": " + tensors.size() + " tensors");
    }
    return 0;
  }
}
