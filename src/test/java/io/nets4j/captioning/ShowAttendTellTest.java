package io.nets4j.captioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.LayerException;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.Arrays;
import org.bytedeco.pytorch.NoGradGuard;
import org.junit.jupiter.api.Test;

class ShowAttendTellTest {
  @Test
  void shapesOfBothVariantsAndClearErrors() {
    for (ShowAttendTell.Kind kind : ShowAttendTell.Kind.values()) {
      ShowAttendTell m = CaptionTraining.model(kind, 16);
      assertEquals(kind, ShowAttendTell.Kind.parse(kind.toString()));
      assertTrue(m.stateDict().containsKey("attention.Wa.weight"), m.stateDict().keySet().toString());
      try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
        long[] tokens = SceneCaptions.encode(java.util.List.of("a", "red", "circle"));
        ShowAttendTell.Output out = m.forward(Tensors.zeros(io.nets4j.tensor.DType.FLOAT32, 2, 3, 16, 16),
            Tensors.fromLongs(concat(tokens, tokens), 2, tokens.length));
        int v = SceneCaptions.VOCABULARY.size();
        assertTrue(Arrays.equals(new long[] {2, tokens.length - 1, v}, Tensors.shape(out.logits())));
        assertTrue(Arrays.equals(new long[] {2, tokens.length - 1, 16}, Tensors.shape(out.alphas())));
        assertEquals(kind == ShowAttendTell.Kind.HARD, out.choiceLogProbs() != null);
        LayerException e = assertThrows(LayerException.class,
            () -> m.encode(Tensors.zeros(io.nets4j.tensor.DType.FLOAT32, 2, 3, 32, 32)));
        assertTrue(e.getMessage().contains("expected images of shape [batch, 3, 16, 16]"), e.getMessage());
      }
    }
    assertThrows(IllegalArgumentException.class, () -> ShowAttendTell.Kind.parse("medium"));
  }

  private static long[] concat(long[] a, long[] b) {
    long[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
