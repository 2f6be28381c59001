package io.nets4j.parity;

import java.util.Locale;

/**
 * The outcome of checking one fixture.
 *
 * @param name fixture name
 * @param status PASS, FAIL or UNSUPPORTED (the model is not in the registry)
 * @param maxError64 max |y - ref| of the float64 forward (NaN if not run)
 * @param maxError32 max |y - ref| of the float32 forward (NaN if not run)
 * @param detail why it failed, or what was compared
 */
public record FixtureResult(String name, Status status, double maxError64, double maxError32, String detail) {
  public enum Status { PASS, FAIL, UNSUPPORTED }

  /** One line for the report: name, status, errors, detail. */
  public String line() {
    return String.format(Locale.ROOT, "%-28s %-11s f64 %-9s f32 %-9s %s", name, status,
        format(maxError64), format(maxError32), detail);
  }

  private static String format(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2e", v);
  }
}
