package io.nets4j.cli;

import io.nets4j.tensor.NativeRuntime;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code nets4j} command line. */
@Command(name = "nets4j", mixinStandardHelpOptions = true, version = "nets4j 0.1.0",
    description = "Builds, trains, runs and explains the neural networks of modern deep learning, on libtorch.",
    subcommands = {ListCommand.class, InspectCommand.class, ConvertCommand.class, CheckFixturesCommand.class,
        DemoCommand.class, TrainCommand.class, EvalCommand.class, PredictCommand.class,
        SummaryCommand.class, ExplainCommand.class, AttentionCommand.class, SegmentCommand.class, DetectCommand.class,
        BenchCommand.class, ServeCommand.class, CaptionCommand.class, PreprocessCommand.class,
        Seq2SeqCommand.class, LanguageModelCommand.class, ExperimentCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code (for tests). */
  public static int run(String... args) {
    // before anything logs or draws
    ConsoleSetup.apply();
    // commands call libtorch directly, so its thread settings go first
    NativeRuntime.load();
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      // the full path (nets4j detect train), since several commands have a subcommand named train
      cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + e.getMessage());
      if (Boolean.getBoolean("nets4j.debug")) {
        e.printStackTrace(cmd.getErr());
      }
      return 1;
    });
    return cli.execute(args);
  }
}
