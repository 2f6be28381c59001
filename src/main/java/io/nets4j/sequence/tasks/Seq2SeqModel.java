package io.nets4j.sequence.tasks;

import io.nets4j.nn.Module;
import io.nets4j.sequence.Decoding;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * A character-level sequence-to-sequence model with attention: it reads a source string and
 * writes a target string, and shows which source characters it attended to for each target
 * character. Sources are checked before they reach the network: empty strings, characters outside
 * the source vocabulary and strings longer than the model's limit are rejected with the offending
 * string and position.
 */
public abstract class Seq2SeqModel extends Module {
  /** A batch of encoded sources: ids {@code [B, S]} padded with {@link CharVocabulary#PAD}, the padding mask and lengths. */
  public record Sources(Tensor ids, Tensor padding, long[] lengths) {}

  /** Teacher-forced output: logits {@code [B, T, V]} and attention weights over the source {@code [B, T, S]}. */
  public record Output(Tensor logits, Tensor attention) {}

  private final CharVocabulary source;
  private final CharVocabulary target;
  private final int maxSourceLength;

  protected Seq2SeqModel(CharVocabulary source, CharVocabulary target, int maxSourceLength) {
    this.source = source;
    this.target = target;
    this.maxSourceLength = maxSourceLength;
  }

  public CharVocabulary sourceVocabulary() {
    return source;
  }

  public CharVocabulary targetVocabulary() {
    return target;
  }

  public int maxSourceLength() {
    return maxSourceLength;
  }

  /**
   * The logits of every target position given the previous target tokens ({@code tgtIn}
   * {@code [B, T]}, starting with {@link CharVocabulary#BOS}), and the attention weights.
   */
  public abstract Output forward(Sources src, Tensor tgtIn);

  /** Greedy decoding of at most {@code maxLength} tokens per source. */
  protected abstract List<Decoding.Hypothesis> greedy(Sources src, int maxLength);

  /** Encodes and pads {@code texts}, rejecting empty, too long or unknown input. */
  public Sources encode(List<String> texts) {
    if (texts.isEmpty()) {
      throw new IllegalArgumentException("no source strings given");
    }
    List<long[]> ids = new ArrayList<>();
    int longest = 0;
    for (int i = 0; i < texts.size(); i++) {
      String what = "source " + i + " \"" + texts.get(i) + "\"";
      long[] e = source.encode(texts.get(i), what);
      if (e.length > maxSourceLength) {
        throw new IllegalArgumentException(what + " has " + e.length + " characters, more than the model's limit of "
            + maxSourceLength);
      }
      ids.add(e);
      longest = Math.max(longest, e.length);
    }
    long[] flat = new long[texts.size() * longest];
    long[] lengths = new long[texts.size()];
    for (int i = 0; i < ids.size(); i++) {
      System.arraycopy(ids.get(i), 0, flat, i * longest, ids.get(i).length);
      lengths[i] = ids.get(i).length;
    }
    Tensor t = Tensors.fromLongs(flat, texts.size(), longest);
    return new Sources(t, t.eq(new Scalar(CharVocabulary.PAD)), lengths);
  }

  /** Teacher-forcing input and target: {@code <s> y} and {@code y </s>}, {@code [B, T + 1]} each. */
  public Tensor[] encodeTargets(List<String> texts) {
    int n = texts.size();
    List<long[]> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(target.encode(texts.get(i), "target " + i + " \"" + texts.get(i) + "\""));
    }
    int len = ids.get(0).length;
    long[] in = new long[n * (len + 1)];
    long[] out = new long[n * (len + 1)];
    for (int i = 0; i < n; i++) {
      if (ids.get(i).length != len) {
        throw new IllegalArgumentException("targets of one batch must have the same length, got " + len + " and "
            + ids.get(i).length);
      }
      in[i * (len + 1)] = CharVocabulary.BOS;
      System.arraycopy(ids.get(i), 0, in, i * (len + 1) + 1, len);
      System.arraycopy(ids.get(i), 0, out, i * (len + 1), len);
      out[i * (len + 1) + len] = CharVocabulary.EOS;
    }
    return new Tensor[] {Tensors.fromLongs(in, n, len + 1), Tensors.fromLongs(out, n, len + 1)};
  }

  /** Greedy translations of {@code texts}, in evaluation mode. */
  public List<String> translate(List<String> texts, int maxLength) {
    Sources src = encode(texts);
    boolean wasTraining = isTraining();
    eval();
    try (NoGradGuard g = new NoGradGuard()) {
      List<String> out = new ArrayList<>();
      for (Decoding.Hypothesis h : greedy(src, maxLength)) {
        out.add(target.decode(h.tokens()));
      }
      return out;
    } finally {
      train(wasTraining);
    }
  }

  /** A translation and its alignment: {@code weights[i][j]} is the attention of output token i on source character j. */
  public record Alignment(String source, long[] sourceTokens, long[] outputTokens, float[][] weights) {}

  /**
   * The greedy translation of {@code text} and the attention weights that produced it (the
   * teacher-forced pass over the model's own output repeats the greedy steps exactly).
   */
  public Alignment align(String text, int maxLength) {
    Sources src = encode(List.of(text));
    boolean wasTraining = isTraining();
    eval();
    try (NoGradGuard g = new NoGradGuard()) {
      long[] produced = greedy(src, maxLength).get(0).tokens();
      long[] in = new long[produced.length + 1];
      long[] out = new long[produced.length + 1];
      in[0] = CharVocabulary.BOS;
      System.arraycopy(produced, 0, in, 1, produced.length);
      System.arraycopy(produced, 0, out, 0, produced.length);
      out[produced.length] = CharVocabulary.EOS;
      Tensor att = forward(src, Tensors.fromLongs(in, 1, in.length)).attention().select(0, 0)
          .to(DType.FLOAT32.scalarType()).contiguous();
      float[] flat = Tensors.toFloatArray(att);
      int cols = (int) att.size(1);
      float[][] w = new float[out.length][cols];
      for (int i = 0; i < out.length; i++) {
        System.arraycopy(flat, i * cols, w[i], 0, cols);
      }
      return new Alignment(text, Tensors.toLongArray(src.ids().select(0, 0)), out, w);
    } finally {
      train(wasTraining);
    }
  }
}
