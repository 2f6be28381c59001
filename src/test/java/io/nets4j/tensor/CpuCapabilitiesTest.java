package io.nets4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.tensor.CpuCapabilities.Feature;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CpuCapabilitiesTest {
  private static final Set<Feature> AVX512_CORE = EnumSet.of(Feature.AVX2, Feature.AVX512F, Feature.AVX512BW,
      Feature.AVX512VL, Feature.AVX512DQ);

  @Test
  void detectionAgreesWithLibtorchsRulesOnThisMachine() {
    CpuCapabilities c = CpuCapabilities.current();
    assertEquals(c, CpuCapabilities.current(), "detected once");
    if (c.atenKernels().startsWith("AVX512")) {
      assertTrue(c.features().containsAll(AVX512_CORE), c.describe());
    }
    if (System.getenv("ONEDNN_MAX_CPU_ISA") == null && System.getenv("DNNL_MAX_CPU_ISA") == null) {
      // the probe confirms the rule where nothing limits oneDNN
      CpuCapabilities byRule = CpuCapabilities.assuming(c.features());
      assertEquals(byRule.bf16WeightPacking().supported(), c.bf16WeightPacking().supported(), c.describe());
      assertEquals(byRule.bf16Recurrent().supported(), c.bf16Recurrent().supported(), c.describe());
    }
    assertTrue(c.describe().contains("ATen kernels " + c.atenKernels()), c.describe());
  }

  @Test
  void anAvx2OnlyCpuHasNoBfloat16PackingNorRecurrentKernelsAndTheReasonNamesTheFeatures() {
    CpuCapabilities avx2 = CpuCapabilities.assuming(EnumSet.of(Feature.AVX2));
    assertFalse(avx2.bf16WeightPacking().supported());
    assertEquals("libtorch packs bfloat16 convolution weights only on CPUs with AVX-512 BW, VL and DQ or with "
        + "AVX-NE-CONVERT; this CPU has none of them (its widest vector extension: AVX2)", avx2.bf16WeightPacking().reason());
    assertFalse(avx2.bf16Recurrent().supported());
    assertTrue(avx2.bf16Recurrent().reason().contains("AVX-512 (F, BW, VL and DQ)"), avx2.bf16Recurrent().reason());
    assertTrue(avx2.describe().contains("bf16 weight packing no"), avx2.describe());
  }

  @Test
  void avxNeConvertPacksWithoutAvx512AndAvx512CoreDoesBoth() {
    CpuCapabilities ne = CpuCapabilities.assuming(EnumSet.of(Feature.AVX2, Feature.AVX_NE_CONVERT));
    assertTrue(ne.bf16WeightPacking().supported());
    assertFalse(ne.bf16Recurrent().supported());
    CpuCapabilities partial = CpuCapabilities.assuming(EnumSet.of(Feature.AVX2, Feature.AVX512F, Feature.AVX512BW));
    assertTrue(partial.bf16WeightPacking().reason().contains("only AVX-512 BW of them"),
        partial.bf16WeightPacking().reason());
    CpuCapabilities full = CpuCapabilities.assuming(AVX512_CORE);
    assertTrue(full.bf16WeightPacking().supported() && full.bf16Recurrent().supported());
    assertEquals("", full.bf16WeightPacking().reason());
  }

  @Test
  void anOverrideHoldsUntilClosedAndNests() {
    CpuCapabilities detected = CpuCapabilities.current();
    CpuCapabilities avx2 = CpuCapabilities.assuming(EnumSet.of(Feature.AVX2));
    CpuCapabilities none = CpuCapabilities.assuming(EnumSet.noneOf(Feature.class));
    try (CpuCapabilities.Restorer outer = CpuCapabilities.override(avx2)) {
      assertEquals(avx2, CpuCapabilities.current());
      try (CpuCapabilities.Restorer inner = CpuCapabilities.override(none)) {
        assertEquals(none, CpuCapabilities.current());
        assertTrue(none.bf16WeightPacking().reason().contains("neither AVX2 nor AVX-512"));
      }
      assertEquals(avx2, CpuCapabilities.current());
    }
    assertEquals(detected, CpuCapabilities.current());
  }

  /**
   * oneDNN limited to AVX2 ({@code ONEDNN_MAX_CPU_ISA=AVX2}) refuses bfloat16 weight packing and the
   * bfloat16 LSTM primitive exactly as an AVX2-only CPU does, with libtorch's own native errors; the
   * probes see that, and {@code bench --optimize --dtype bf16} and bfloat16 LSTM training end with a
   * result and the fallback named, not a native stack trace.
   */
  @Test
  void withOneDnnLimitedToAvx2TheBfloat16BenchmarksFallBackAndFinish() throws Exception {
    Child conv = bench("resnet18", "--optimize", "--dtype", "bf16", "--size", "32", "--warmup", "0", "--iters", "10");
    assertEquals(0, conv.exit(), conv.err());
    assertTrue(conv.out().contains("latency  (batch 1)") && conv.out().contains("bf16 weight packing no"), conv.out());
    assertTrue(conv.out().contains("fallback: convolution weights are not packed")
        && conv.out().contains("ONEDNN_MAX_CPU_ISA"), conv.out());
    assertFalse(conv.err().contains("Exception") || conv.err().contains("c10::"), conv.err());

    Child lstm = bench("lstm_lm", "--mode", "train", "--dtype", "bf16", "--batch", "1", "--warmup", "0",
        "--iters", "10");
    assertEquals(0, lstm.exit(), lstm.err());
    assertTrue(lstm.out().contains("fallback: recurrent layers run their fused kernels in float32"), lstm.out());
    assertFalse(lstm.err().contains("primitive descriptor"), lstm.err());
  }

  record Child(int exit, String out, String err) {}

  private static Child bench(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xss4m", "-cp", System.getProperty("java.class.path"), "io.nets4j.cli.Main", "bench"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("ONEDNN_MAX_CPU_ISA", "AVX2");
    Process p = pb.start();
    var err = p.getErrorStream();
    var errText = new StringBuilder();
    Thread drain = new Thread(() -> {
      try {
        errText.append(new String(err.readAllBytes(), StandardCharsets.UTF_8));
      } catch (java.io.IOException e) {
        errText.append(e);
      }
    });
    drain.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("the child benchmark did not finish");
    }
    drain.join();
    return new Child(p.exitValue(), out, errText.toString());
  }
}
