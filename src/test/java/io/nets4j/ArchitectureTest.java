package io.nets4j;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package layering of nets4j (issue #17): dependencies point down only, and no two packages
 * depend on each other. From the bottom: {@code tensor} (libtorch) &lt; {@code nn} (modules) &lt;
 * {@code io}, {@code data} (weights formats, data sets and preprocessing) &lt; {@code layers}
 * (shared building blocks of the families) &lt; {@code models} (the families and the registry) &lt;
 * the engine ({@code distributed}, {@code train}) &lt; the tasks ({@code segmentation},
 * {@code detection}, {@code sequence}, {@code captioning}, {@code inference}, {@code visual},
 * {@code serve}) &lt; {@code registry} (every task's models by name) &lt; the tools on top
 * ({@code analysis}, {@code bench}, {@code experiments}, {@code parity}, {@code cli}). A package may use its own layer and the layers below; within a layer the cycle
 * rule keeps the packages in one order.
 */
final class ArchitectureTest {

  private static final String[] TOOLS = {
    "io.nets4j.analysis..", "io.nets4j.bench..", "io.nets4j.experiments..", "io.nets4j.parity..", "io.nets4j.cli.."
  };

  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.nets4j");
  }

  @Test
  void dependenciesPointDown() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("tensor").definedBy("io.nets4j.tensor..")
        .layer("nn").definedBy("io.nets4j.nn..")
        .layer("formats").definedBy("io.nets4j.io..", "io.nets4j.data..")
        .layer("layers").definedBy("io.nets4j.layers..")
        .layer("models").definedBy("io.nets4j.models..")
        .layer("engine").definedBy("io.nets4j.distributed..", "io.nets4j.train..")
        .layer("tasks")
        .definedBy(
            "io.nets4j.segmentation..",
            "io.nets4j.detection..",
            "io.nets4j.sequence..",
            "io.nets4j.captioning..",
            "io.nets4j.inference..",
            "io.nets4j.visual..",
            "io.nets4j.serve..")
        .layer("registry").definedBy("io.nets4j.registry..")
        .layer("tools").definedBy(TOOLS)
        .whereLayer("tensor").mayNotAccessAnyLayer()
        .whereLayer("nn").mayOnlyAccessLayers("tensor")
        .whereLayer("formats").mayOnlyAccessLayers("tensor", "nn")
        .whereLayer("layers").mayOnlyAccessLayers("tensor", "nn")
        .whereLayer("models").mayOnlyAccessLayers("tensor", "nn", "formats", "layers")
        .whereLayer("engine").mayOnlyAccessLayers("tensor", "nn", "formats", "layers", "models")
        .whereLayer("tasks")
        .mayOnlyAccessLayers("tensor", "nn", "formats", "layers", "models", "engine")
        .whereLayer("registry")
        .mayOnlyAccessLayers("tensor", "nn", "formats", "layers", "models", "engine", "tasks")
        .check(classes);
  }

  @Test
  void onlyToolsUseTools() {
    noClasses()
        .that()
        .resideOutsideOfPackages(TOOLS)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(TOOLS)
        .because("analysis, bench, parity and cli sit on top of the library")
        .check(classes);
  }

  @Test
  void packagesAreFreeOfCycles() {
    slices().matching("io.nets4j.(*)..").should().beFreeOfCycles().check(classes);
  }
}
