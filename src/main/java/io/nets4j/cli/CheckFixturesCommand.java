package io.nets4j.cli;

import io.nets4j.parity.FixtureChecker;
import io.nets4j.parity.FixtureResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code nets4j check-fixtures DIR...}: checks every model fixture against the nets4j model. */
@Command(name = "check-fixtures", mixinStandardHelpOptions = true,
    description = {"Check every model fixture (*.json with a \"model\" key) in the given folders: "
        + "state_dict layout, parameter count and float64/float32 outputs against the reference; "
        + "also the whole-model operator fixtures (fasterrcnn_resnet50_fpn), stage by stage.",
        "Prints one line per fixture; exits 1 if any fixture fails."})
final class CheckFixturesCommand implements Callable<Integer> {
  @Parameters(paramLabel = "DIR", arity = "1..*", description = "folders holding fixtures") List<Path> dirs;

  @Override
  public Integer call() throws Exception {
    int failed = 0;
    int count = 0;
    for (Path dir : dirs) {
      if (!Files.isDirectory(dir)) {
        throw new IllegalArgumentException("not a folder: " + dir);
      }
      List<Path> fixtures = new java.util.ArrayList<>(FixtureChecker.modelFixtures(dir));
      fixtures.addAll(FixtureChecker.caseFixtures(dir));
      for (Path json : fixtures) {
        FixtureResult r = FixtureChecker.check(json);
        System.out.println(r.line());
        System.out.flush();
        count++;
        if (r.status() == FixtureResult.Status.FAIL) {
          failed++;
        }
      }
    }
    System.out.println(count + " fixtures, " + failed + " failed");
    return failed == 0 ? 0 : 1;
  }
}
