package io.nets4j.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The machine-readable logs of a run directory: {@code metrics.jsonl} (a JSON object per epoch,
 * {@link EpochRecord}) and {@code steps.jsonl} (one every N steps). A resumed run first cuts both
 * back to its checkpoint, so that the logs read as those of one uninterrupted run.
 */
final class RunLog {
  static final String EPOCHS = "metrics.jsonl";
  static final String STEPS = "steps.jsonl";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;

  RunLog(Path dir) {
    this.dir = dir;
  }

  /** Rewrites the logs to end at {@code step}: the epochs of {@code history} and the step lines up to {@code step}. */
  void truncate(List<EpochRecord> history, long step) {
    StringBuilder epochs = new StringBuilder();
    for (EpochRecord r : history) {
      epochs.append(json(r)).append('\n');
    }
    AtomicFiles.writeString(dir.resolve(EPOCHS), epochs.toString());
    keepUpTo(dir.resolve(STEPS), step);
  }

  private static void keepUpTo(Path file, long step) {
    if (!Files.exists(file)) {
      return;
    }
    try {
      List<String> kept = new ArrayList<>();
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (!line.isBlank() && JSON.readTree(line).path("step").asLong(Long.MAX_VALUE) <= step) {
          kept.add(line);
        }
      }
      AtomicFiles.writeString(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot rewrite " + file + " (" + e + ")", e);
    }
  }

  /** Rewrites both logs to end at {@code step}, for a run that logs free-form lines with a {@code step} field. */
  void truncate(long step) {
    for (String file : List.of(EPOCHS, STEPS)) {
      keepUpTo(dir.resolve(file), step);
    }
  }

  void metrics(Map<String, Object> values) {
    append(EPOCHS, json(values));
  }

  void epoch(EpochRecord r) {
    append(EPOCHS, json(r));
  }

  void step(Map<String, Object> values) {
    append(STEPS, json(values));
  }

  private void append(String file, String line) {
    try {
      Files.writeString(dir.resolve(file), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve(file) + " (" + e + ")", e);
    }
  }

  private static String json(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads {@code metrics.jsonl} of a run directory. */
  static List<EpochRecord> readEpochs(Path runDir) {
    Path file = runDir.resolve(EPOCHS);
    List<EpochRecord> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          out.add(JSON.readValue(line, EpochRecord.class));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + " (" + e + ")", e);
    }
    return out;
  }
}
