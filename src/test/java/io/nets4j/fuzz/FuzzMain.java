package io.nets4j.fuzz;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.io.PrintWriter;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs one fuzz target of {@link ReadersFuzzTest} in a plain JVM ({@code java -cp TEST_CLASSPATH
 * io.nets4j.fuzz.FuzzMain TARGET}, with {@code JAZZER_FUZZ=1} to fuzz): what {@code .ci/run} calls
 * once per target. Jazzer fuzzes one target per JVM, and a Maven run per target would cost more
 * start-up than fuzzing in a bounded CI budget.
 */
public final class FuzzMain {
  private FuzzMain() {}

  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: FuzzMain TARGET (a @FuzzTest method of ReadersFuzzTest)");
      System.exit(2);
    }
    LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
        .selectors(selectMethod(ReadersFuzzTest.class.getName() + "#" + args[0] + "(byte[])")).build();
    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    Launcher launcher = LauncherFactory.create();
    launcher.execute(request, summary);
    TestExecutionSummary s = summary.getSummary();
    s.printTo(new PrintWriter(System.out, true));
    s.printFailuresTo(new PrintWriter(System.err, true), 40);
    System.exit(s.getTotalFailureCount() == 0 && s.getTestsSucceededCount() > 0 ? 0 : 1);
  }
}
