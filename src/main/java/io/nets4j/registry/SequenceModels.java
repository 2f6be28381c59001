package io.nets4j.registry;

import io.nets4j.captioning.CaptionTraining;
import io.nets4j.captioning.ShowAttendTell;
import io.nets4j.models.Registry;
import io.nets4j.models.Task;
import io.nets4j.nn.Module;
import io.nets4j.sequence.tasks.CharLanguageModel;
import io.nets4j.sequence.tasks.DateModels;
import java.util.Locale;

/**
 * The sequence models by name, each in the configuration its command trains by default
 * ({@code nets4j lm}, {@code seq2seq}, {@code caption}); they take no options, since their
 * vocabularies and sizes come from their tasks. Their names, metadata and listing are those of
 * {@link ModelRegistry}, with every other task's. It lives here, above {@code sequence} and
 * {@code captioning}, because it registers models of both.
 */
public final class SequenceModels {
  /**
   * The character vocabulary the language models are registered with; {@code nets4j lm} builds
   * them for its corpus's vocabulary instead.
   */
  public static final int LM_VOCABULARY = 64;
  /** {@code nets4j lm}'s defaults: the window and longest sequence, and the model width. */
  private static final int LM_LENGTH = 64;
  private static final int LM_WIDTH = 128;
  /** Where their structure comes from: the papers, written small enough to train on a CPU. */
  private static final String PAPER = "paper";
  private static final int CAPTION_IMAGE_SIZE = CaptionTraining.Config.defaults(ShowAttendTell.Kind.SOFT).imageSize();

  private static final Registry<Void, Module> REGISTRY =
      Registry.of(Task.SEQUENCE, info -> null, m -> m, SequenceModels::register);

  private SequenceModels() {}

  private static void register(Registry.Registrar<Void, Module> r) {
    languageModel(r, "char_mlp_lm", "WindowMLP", CharLanguageModel.Kind.WINDOW_MLP,
        "Bengio et al. 2003, A Neural Probabilistic Language Model");
    languageModel(r, "char_lstm_lm", "LSTM", CharLanguageModel.Kind.LSTM,
        "Hochreiter and Schmidhuber 1997, Long Short-Term Memory");
    languageModel(r, "char_gru_lm", "GRU", CharLanguageModel.Kind.GRU, "Cho et al. 2014, Learning Phrase "
        + "Representations using RNN Encoder-Decoder for Statistical Machine Translation");
    languageModel(r, "char_transformer_lm", "Transformer", CharLanguageModel.Kind.TRANSFORMER,
        "Radford et al. 2018, Improving Language Understanding by Generative Pre-Training");
    r.add("seq2seq_bahdanau", "Seq2Seq", PAPER, 0, "Bahdanau et al. 2015, Neural Machine Translation by Jointly "
        + "Learning to Align and Translate", o -> DateModels.BAHDANAU.create());
    r.add("seq2seq_transformer", "Transformer", PAPER, 0, "Vaswani et al. 2017, Attention Is All You Need",
        o -> DateModels.TRANSFORMER.create());
    String showAttendTell = "Xu et al. 2015, Show, Attend and Tell: Neural Image Caption Generation with Visual "
        + "Attention";
    for (ShowAttendTell.Kind kind : ShowAttendTell.Kind.values()) {
      r.add("show_attend_tell_" + kind.name().toLowerCase(Locale.ROOT), "ShowAttendTell", PAPER, CAPTION_IMAGE_SIZE,
          showAttendTell, o -> CaptionTraining.model(kind, CAPTION_IMAGE_SIZE));
    }
  }

  private static void languageModel(Registry.Registrar<Void, Module> r, String name, String family,
      CharLanguageModel.Kind kind, String paper) {
    r.add(name, family, PAPER, 0, paper, o -> kind.create(LM_VOCABULARY, LM_LENGTH, LM_WIDTH));
  }

  /** The registry itself, for the listing of every task. */
  public static Registry<Void, Module> registry() {
    return REGISTRY;
  }

  /** Builds {@code name} in its default configuration. */
  public static Module create(String name) {
    return REGISTRY.create(name);
  }
}
