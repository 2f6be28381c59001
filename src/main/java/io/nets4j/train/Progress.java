package io.nets4j.train;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Per-epoch (or per-run) progress: a live progress bar on a terminal (me.tongfei:progressbar), plain
 * lines at every tenth of the total otherwise (CI logs, pipes), or nothing.
 */
public abstract class Progress implements AutoCloseable {
  /** A display of {@code total} units titled {@code title}, {@code first} of them done already. */
  public static Progress create(Trainer.ProgressMode mode, PrintStream out, String title, int total, int first) {
    Trainer.ProgressMode m = mode == Trainer.ProgressMode.AUTO
        ? (System.console() != null ? Trainer.ProgressMode.BAR : Trainer.ProgressMode.PLAIN) : mode;
    return switch (m) {
      case BAR -> new Bar(out, title, total, first);
      case PLAIN -> new Lines(out, title, total, first);
      default -> new Progress() {
        @Override
        public void update(int done, String message) {}

        @Override
        public void close() {}
      };
    };
  }

  /** {@code done} of the epoch's batches are finished; {@code message} has loss, accuracy and speed. */
  public abstract void update(int done, String message);

  @Override
  public abstract void close();

  private static final class Bar extends Progress {
    private final ProgressBar bar;

    Bar(PrintStream out, String title, int total, int first) {
      bar = new ProgressBarBuilder().setTaskName(title).setInitialMax(total).startsFrom(first, Duration.ZERO)
          .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
          .setConsumer(new ConsoleProgressBarConsumer(out)).build();
    }

    @Override
    public void update(int done, String message) {
      bar.stepTo(done);
      bar.setExtraMessage(message);
    }

    @Override
    public void close() {
      bar.close();
    }
  }

  private static final class Lines extends Progress {
    private final PrintStream out;
    private final String title;
    private final int total;
    private final int first;
    private final long start = System.nanoTime();
    private final int every;
    private int nextPrint;

    Lines(PrintStream out, String title, int total, int first) {
      this.out = out;
      this.title = title;
      this.total = total;
      this.first = first;
      this.every = Math.max(1, total / 10);
      this.nextPrint = first + every;
    }

    @Override
    public void update(int done, String message) {
      if (done < nextPrint && done < total) {
        return;
      }
      while (nextPrint <= done) {
        nextPrint += every;
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      double eta = done > first ? seconds / (done - first) * (total - done) : 0;
      out.printf(Locale.ROOT, "%s %" + Integer.toString(total).length() + "d/%d  %s  ETA %s%n", title, done, total,
          message, clock(eta));
    }

    @Override
    public void close() {}
  }

  /** Seconds as {@code m:ss} or {@code h:mm:ss}. */
  static String clock(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
