package io.nets4j.train;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The stop request of a training loop ({@link Trainer}, {@link TrainingEngine}): the loop polls
 * {@link #requested} after each step, and Ctrl-C runs a JVM shutdown hook that asks for a stop and
 * waits until the run has returned, so that its checkpoint is complete before the JVM exits.
 */
final class StopSignal {
  /** How long the shutdown hook waits for the last step and its checkpoint. */
  static final Duration HOOK_TIMEOUT = Duration.ofMinutes(10);

  private volatile boolean requested;
  private volatile CountDownLatch running;

  /** Asks the running loop to stop after the current step. */
  void request() {
    requested = true;
  }

  boolean requested() {
    return requested;
  }

  /**
   * {@link #request} and wait until the running loop has returned, at most {@code timeout}.
   * Returns whether it finished in time; returns at once if no loop is running.
   */
  boolean stopAndWait(Duration timeout) {
    CountDownLatch latch = running;
    if (latch == null) {
      return true;
    }
    requested = true;
    try {
      return latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Runs {@code loop} with the request cleared and, with {@code shutdownHook}, a JVM shutdown hook
   * (thread {@code hookName}) that stops it on Ctrl-C and waits {@link #HOOK_TIMEOUT} for it.
   */
  <T> T during(boolean shutdownHook, String hookName, Supplier<T> loop) {
    CountDownLatch latch = new CountDownLatch(1);
    running = latch;
    requested = false;
    Thread hook = shutdownHook ? new Thread(() -> stopAndWait(HOOK_TIMEOUT), hookName) : null;
    if (hook != null) {
      Runtime.getRuntime().addShutdownHook(hook);
    }
    try {
      return loop.get();
    } finally {
      running = null;
      latch.countDown();
      if (hook != null) {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // the JVM is shutting down: the hook is the one waiting for this run
        }
      }
    }
  }
}
