package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command and subcommand registered in {@link Main} answers --help, so a new one without it fails here. */
class HelpEverywhereTest {
  /** The argument paths of every command below {@code cli}, e.g. {@code [detect, train]}. */
  private static void collect(CommandLine cli, List<String> path, List<List<String>> out) {
    for (CommandLine sub : cli.getSubcommands().values()) {
      List<String> p = new ArrayList<>(path);
      p.add(sub.getCommandName());
      if (!out.contains(p)) {
        out.add(p);
        collect(sub, p, out);
      }
    }
  }

  @Test
  void everyCommandAnswersHelp() {
    List<List<String>> commands = new ArrayList<>();
    collect(new CommandLine(new Main()), List.of(), commands);
    assertTrue(commands.contains(List.of("detect", "train")) && commands.contains(List.of("segment", "train"))
        && commands.contains(List.of("bench", "serve")), commands.toString());
    for (List<String> command : commands) {
      List<String> args = new ArrayList<>(command);
      args.add("--help");
      CliTest.Run r = CliTest.run(args.toArray(String[]::new));
      assertEquals(0, r.exit(), command + ": " + r.err());
      assertTrue(r.out().contains("Usage: nets4j " + String.join(" ", command) + " "), command + ": " + r.out());
      assertTrue(r.out().contains("--help"), command + ": " + r.out());
    }
  }

  /** One spelling per thing: the options the commands used to spell otherwise are gone everywhere. */
  @Test
  void noCommandKeepsAnOldSpelling() {
    List<List<String>> commands = new ArrayList<>();
    collect(new CommandLine(new Main()), List.of(), commands);
    CommandLine root = new CommandLine(new Main());
    for (List<String> command : commands) {
      CommandLine c = root;
      for (String name : command) {
        c = c.getSubcommands().get(name);
      }
      for (String old : List.of("--output", "--image-size", "--train-steps", "--heatmaps")) {
        assertFalse(c.getCommandSpec().optionsMap().containsKey(old), command + " still has " + old);
      }
    }
  }
}
