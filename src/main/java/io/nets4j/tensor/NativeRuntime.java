package io.nets4j.tensor;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads libtorch once per JVM, after setting up its thread pools so that they do not fight.
 *
 * <p>The bytedeco presets ship libtorch with its own OpenMP runtime (libgomp) and an OpenBLAS with
 * its own thread pool. With default settings both pools busy-wait after each parallel region and
 * steal the cores from each other: on a 2-core machine ResNet-50 at batch 1 takes 152 ms instead of
 * 45 ms. Both runtimes read their settings from the environment when their library is loaded, so
 * the settings must be in the process environment before the first libtorch class is touched.
 * Values that the user already set in the environment are kept.
 *
 * <p>Code that calls {@code org.bytedeco.pytorch} directly before any nets4j class must call
 * {@link #load()} first: once libtorch is loaded the settings come too late (measured: ViT-B/16
 * at batch 1 took 1,200-1,400 ms instead of 260-300 ms). {@link #load()} detects that case and
 * says so, as a warning of this class's SLF4J logger.
 */
public final class NativeRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(NativeRuntime.class);

  /** Environment settings applied before libtorch is loaded, unless already set by the user. */
  public static final Map<String, String> THREAD_ENVIRONMENT;

  static {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("GOMP_SPINCOUNT", "1000");
    env.put("OPENBLAS_THREAD_TIMEOUT", "4");
    THREAD_ENVIRONMENT = Map.copyOf(env);
  }

  private static volatile boolean loaded;
  private static volatile boolean environmentApplied;

  private NativeRuntime() {}

  /** Loads libtorch (idempotent and thread-safe). Every nets4j entry point calls this first. */
  public static void load() {
    if (loaded) {
      return;
    }
    synchronized (NativeRuntime.class) {
      if (loaded) {
        return;
      }
      if (!Boolean.getBoolean("nets4j.keepThreadEnvironment")) {
        environmentApplied = libtorchAlreadyLoaded() ? warnTooLate() : applyThreadEnvironment();
      }
      Loader.load(torch.class);
      loaded = true;
    }
  }

  /** Whether this JVM's native environment carries the thread settings (set here or by the user). */
  public static boolean threadEnvironmentApplied() {
    return environmentApplied;
  }

  private static boolean libtorchAlreadyLoaded() {
    return Loader.getLoadedLibraries().keySet().stream().anyMatch(name -> name.contains("torch"));
  }

  /** Returns whether the user's own environment already carries every setting. */
  private static boolean warnTooLate() {
    boolean userSet = THREAD_ENVIRONMENT.keySet().stream().allMatch(k -> System.getenv(k) != null);
    if (!userSet) {
      LOG.warn("libtorch was loaded before nets4j could set {} for its thread pools; CPU inference may run"
          + " several times slower. Call io.nets4j.tensor.NativeRuntime.load() before the first org.bytedeco.pytorch"
          + " call, or export these variables.", THREAD_ENVIRONMENT);
    }
    return userSet;
  }

  private interface CLib extends Library {
    int setenv(String name, String value, int overwrite);

    String getenv(String name);
  }

  private static boolean applyThreadEnvironment() {
    if (!Platform.isLinux() && !Platform.isMac()) {
      return false;
    }
    try {
      CLib libc = Native.load(Platform.C_LIBRARY_NAME, CLib.class);
      for (Map.Entry<String, String> e : THREAD_ENVIRONMENT.entrySet()) {
        libc.setenv(e.getKey(), e.getValue(), 0);
      }
      return true;
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      LOG.warn("could not set the native thread environment ({}); set {} yourself for full speed", e.getMessage(),
          THREAD_ENVIRONMENT);
      return false;
    }
  }
}
