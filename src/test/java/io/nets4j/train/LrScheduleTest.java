package io.nets4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Schedule values at known steps (PyTorch's LinearLR, CosineAnnealingLR and StepLR closed forms). */
class LrScheduleTest {
  private static final double EPS = 1e-12;

  @Test
  void cosine() {
    LrSchedule s = LrSchedule.cosine(100, 0);
    assertEquals(1, s.factor(0), EPS);
    assertEquals(0.5 * (1 + Math.cos(Math.PI / 4)), s.factor(25), EPS);
    assertEquals(0.5, s.factor(50), EPS);
    assertEquals(0, s.factor(100), EPS);
    assertEquals(0, s.factor(150), EPS);
    LrSchedule floor = LrSchedule.cosine(10, 0.1);
    assertEquals(0.1 + 0.9 * 0.5, floor.factor(5), EPS);
    assertEquals(0.1, floor.factor(10), EPS);
  }

  @Test
  void step() {
    LrSchedule s = LrSchedule.step(30, 0.1);
    assertEquals(1, s.factor(0), EPS);
    assertEquals(1, s.factor(29), EPS);
    assertEquals(0.1, s.factor(30), EPS);
    assertEquals(0.01, s.factor(65), EPS);
  }

  @Test
  void linearWarmupThenMainScheduleFromItsStart() {
    LrSchedule s = LrSchedule.cosine(40, 0).afterWarmup(10, 0.1);
    assertEquals(0.1, s.factor(0), EPS);
    assertEquals(0.55, s.factor(5), EPS);
    assertEquals(0.91, s.factor(9), EPS);
    assertEquals(1, s.factor(10), EPS);
    assertEquals(0.5, s.factor(30), EPS);
    assertEquals(0, s.factor(50), EPS);
    assertEquals(1, LrSchedule.constant().afterWarmup(4, 0).factor(4), EPS);
    assertEquals(0.25, LrSchedule.constant().afterWarmup(4, 0).factor(1), EPS);
  }

  @Test
  void specInEpochsBecomesStepsOnceTheEpochLengthIsKnown() {
    // 5 epochs of 100 steps, 1 epoch of warm-up from 0.01, cosine over the remaining 400 steps
    LrSchedule s = ScheduleSpec.cosine().withWarmup(1, 0.01).build(100, 5);
    assertEquals(0.01, s.factor(0), EPS);
    assertEquals(0.505, s.factor(50), EPS);
    assertEquals(1, s.factor(100), EPS);
    assertEquals(0.5, s.factor(300), EPS);
    assertEquals(0, s.factor(500), EPS);
    // the start factor reads as a fraction of the rate, not as a bare number beside the weight decay
    assertTrue(s.describe().startsWith("linear warm-up(100 steps from lr x 0.01) then cosine"), s.describe());
    LrSchedule step = ScheduleSpec.step(2, 0.5).build(10, 6);
    assertEquals(1, step.factor(19), EPS);
    assertEquals(0.5, step.factor(20), EPS);
    assertEquals(0.25, step.factor(45), EPS);
    assertEquals(1, ScheduleSpec.constant().build(10, 3).factor(29), EPS);
  }

  @Test
  void invalidSettingsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(0, 0));
    assertThrows(IllegalArgumentException.class, () -> LrSchedule.step(0, 0.1));
    assertThrows(IllegalArgumentException.class, () -> LrSchedule.constant().afterWarmup(5, 1.5));
    assertThrows(IllegalArgumentException.class, () -> ScheduleSpec.Kind.parse("exponential"));
  }
}
