package io.nets4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class DeviceTest {
  @Test
  void parsesPytorchSpellings() {
    assertSame(Device.CPU, Device.parse("cpu"));
    assertSame(Device.CPU, Device.parse(" CPU "));
    assertEquals(new Device(Device.Type.CUDA, 0), Device.parse("cuda"));
    assertEquals(new Device(Device.Type.CUDA, 3), Device.parse("cuda:3"));
    assertEquals("cuda:3", Device.parse("CUDA:3").toString());
    assertEquals("cpu", Device.CPU.toString());
  }

  @Test
  void badStringsNameTheTextAndTheForms() {
    for (String bad : new String[] {"", "gpu", "cuda:", "cuda:-1", "cuda:x", "cuda:0:1", "cpu:0", "cuda:99999"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Device.parse(bad), bad);
      assertTrue(e.getMessage().contains("'" + bad + "'") && e.getMessage().contains("cpu, cuda or cuda:N"),
          e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> Device.parse(null));
  }

  /** Without the CUDA build the message says which artifacts to add. */
  @Test
  void cudaWithoutCudaNativesSaysWhatToAdd() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Device.parse("cuda:1").require(() -> false, () -> 0));
    assertTrue(e.getMessage().contains("cuda:1"), e.getMessage());
    assertTrue(e.getMessage().contains("linux-x86_64-gpu") && e.getMessage().contains("org.bytedeco:pytorch")
        && e.getMessage().contains("org.bytedeco:cuda"), e.getMessage());
    IllegalStateException few = assertThrows(IllegalStateException.class,
        () -> Device.parse("cuda:2").require(() -> true, () -> 2));
    assertTrue(few.getMessage().contains("2 CUDA devices (cuda:0 to cuda:1)"), few.getMessage());
    assertEquals(Device.parse("cuda:1"), Device.parse("cuda:1").require(() -> true, () -> 2));
    assertSame(Device.CPU, Device.CPU.require());
  }

  /** On the natives actually loaded: CUDA works only where libtorch has it; otherwise the same message. */
  @Test
  void requireAsksTheLoadedNatives() {
    NativeRuntime.load();
    if (torch.cuda_is_available()) {
      assertEquals(Device.parse("cuda"), Device.parse("cuda").require());
    } else {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> Device.parse("cuda").require());
      assertTrue(e.getMessage().contains("linux-x86_64-gpu"), e.getMessage());
    }
  }
}
