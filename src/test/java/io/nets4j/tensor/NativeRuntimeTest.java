package io.nets4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The thread settings must reach libtorch before it loads; each case runs in a fresh JVM, whose
 * SLF4J binding (slf4j-simple) prints the warnings with their logger's name on stderr.
 */
class NativeRuntimeTest {
  /** How a warning of NativeRuntime's logger starts, in slf4j-simple's format with the logger name. */
  static final String WARNING = "WARN " + NativeRuntime.class.getName() + " - ";

  /** Touches libtorch directly, then nets4j. */
  static final class TorchFirst {
    public static void main(String[] args) {
      System.out.println("threads " + torch.get_num_threads());
      NativeRuntime.load();
      System.out.println("applied " + NativeRuntime.threadEnvironmentApplied());
    }
  }

  /** Lets nets4j load libtorch. */
  static final class NetsFirst {
    public static void main(String[] args) {
      NativeRuntime.load();
      System.out.println("threads " + torch.get_num_threads());
      System.out.println("applied " + NativeRuntime.threadEnvironmentApplied());
    }
  }

  record Child(String out, String err) {}

  private static Child run(Class<?> main, boolean userEnvironment) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Dorg.slf4j.simpleLogger.showLogName=true", "-cp",
        System.getProperty("java.class.path"), main.getName()));
    NativeRuntime.THREAD_ENVIRONMENT.forEach((k, v) -> {
      if (userEnvironment) {
        pb.environment().put(k, v);
      } else {
        pb.environment().remove(k);
      }
    });
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), err);
    return new Child(out, err);
  }

  @Test
  void appliesTheSettingsWhenItLoadsLibtorch() throws Exception {
    Child c = run(NetsFirst.class, false);
    assertTrue(c.out().contains("applied true"), c.out());
    assertFalse(c.err().contains(NativeRuntime.class.getName()), c.err());
  }

  @Test
  void saysSoWhenLibtorchWasLoadedFirst() throws Exception {
    Child c = run(TorchFirst.class, false);
    assertTrue(c.out().contains("applied false"), c.out());
    assertTrue(c.err().contains(WARNING + "libtorch was loaded before nets4j could set")
        && c.err().contains("GOMP_SPINCOUNT") && c.err().contains("NativeRuntime.load()"), c.err());
  }

  @Test
  void staysQuietWhenTheUserExportedTheSettings() throws Exception {
    Child c = run(TorchFirst.class, true);
    assertTrue(c.out().contains("applied true"), c.out());
    assertFalse(c.err().contains(NativeRuntime.class.getName()), c.err());
  }
}
