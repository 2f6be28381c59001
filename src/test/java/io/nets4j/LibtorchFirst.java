package io.nets4j;

import io.nets4j.tensor.NativeRuntime;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Loads libtorch through {@link NativeRuntime} before any test runs, so that its thread settings
 * apply in every test JVM, also in tests whose first call goes straight to libtorch.
 */
public final class LibtorchFirst implements LauncherSessionListener {
  @Override
  public void launcherSessionOpened(LauncherSession session) {
    NativeRuntime.load();
  }
}
