package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.tensor.NativeRuntime;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The library's warnings reach a command-line user on stderr, through SLF4J and the CLI's binding
 * in the CLI's format; each case is a fresh JVM, as slf4j-simple reads its format once per JVM.
 */
class ConsoleSetupTest {
  /** Touches libtorch before the command line starts, so that NativeRuntime warns, then runs {@code --version}. */
  static final class TorchFirstThenCli {
    public static void main(String[] args) {
      System.out.println("threads " + torch.get_num_threads());
      int code = Main.run("--version");
      System.out.println("headless " + System.getProperty("java.awt.headless"));
      System.exit(code);
    }
  }

  /** A line of the CLI's format: time, level, message; no thread or logger name. */
  static final Pattern CLI_WARNING = Pattern.compile(
      "(?m)^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN libtorch was loaded before nets4j could set ");

  record Child(int exit, String out, String err) {}

  private static Child run(String... javaOptions) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(List.of(javaOptions));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), TorchFirstThenCli.class.getName()));
    ProcessBuilder pb = new ProcessBuilder(command);
    NativeRuntime.THREAD_ENVIRONMENT.keySet().forEach(pb.environment()::remove);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Child(p.waitFor(), out, err);
  }

  @Test
  void libraryWarningsReachTheConsoleInTheCliFormat() throws Exception {
    Child c = run();
    assertEquals(0, c.exit(), c.err());
    assertTrue(c.out().contains("nets4j 0.1.0"), c.out());
    assertTrue(CLI_WARNING.matcher(c.err()).find(), c.err());
    assertTrue(c.err().contains("NativeRuntime.load()") && c.err().contains("GOMP_SPINCOUNT"), c.err());
    assertFalse(c.err().contains(NativeRuntime.class.getName() + " - ") || c.err().contains("[main]"), c.err());
    assertTrue(c.out().contains("headless true"), c.out());
  }

  @Test
  void theUsersOwnSettingsWin() throws Exception {
    Child c = run("-Dorg.slf4j.simpleLogger.showLogName=true", "-Djava.awt.headless=false");
    assertEquals(0, c.exit(), c.err());
    assertTrue(c.err().contains("WARN " + NativeRuntime.class.getName() + " - libtorch was loaded before"), c.err());
    assertTrue(c.out().contains("headless false"), c.out());
  }
}
