package io.nets4j.cli;

import io.nets4j.io.PyTorchFile;
import picocli.CommandLine.Option;

/** {@code --entry} and {@code --strip-prefix}: where a {@code torch.save} checkpoint keeps its state_dict. */
final class StateDictSelection {
  @Option(names = "--entry", paramLabel = "NAME",
      description = "the checkpoint entry that holds the state_dict (model, state_dict, model_ema; dotted for nested"
          + " ones); without it the top level must be the state_dict, else the error lists the entries") String entry;

  @Option(names = "--strip-prefix", paramLabel = "PREFIX",
      description = "remove this prefix from every key that has it (module. for nn.DataParallel checkpoints)") String stripPrefix;

  PyTorchFile.Options options() {
    return new PyTorchFile.Options(entry, stripPrefix);
  }
}
