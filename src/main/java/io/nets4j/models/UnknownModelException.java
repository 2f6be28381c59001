package io.nets4j.models;

import io.nets4j.nn.Nets4jException;
import java.util.List;
import java.util.Optional;

/**
 * A model name that the registry does not know, with the closest known names and their tasks
 * ({@code unknown model 'resnt50'; did you mean resnet50 (classification)?}).
 */
public final class UnknownModelException extends Nets4jException {
  private final Task task;
  private final List<String> suggestions;

  /**
   * @param task the task whose registry was asked, or {@code null} when every task's was
   * @param suggestions the closest registered models, nearest first
   */
  public UnknownModelException(String name, Task task, List<ModelInfo> suggestions) {
    super("unknown model '" + name + "'"
        + (suggestions.isEmpty() ? "" : "; did you mean " + String.join(", ",
            suggestions.stream().map(i -> i.name() + " (" + i.task().label() + ")").toList()) + "?")
        + (task == null ? " (`nets4j list` prints every model)"
            : " (`nets4j list --task " + task.label() + "` prints every " + task.label() + " model)"));
    this.task = task;
    this.suggestions = suggestions.stream().map(ModelInfo::name).toList();
  }

  /** The task whose registry was asked; empty when the name was looked up across all tasks. */
  public Optional<Task> task() {
    return Optional.ofNullable(task);
  }

  /** The closest registered names, nearest first. */
  public List<String> suggestions() {
    return suggestions;
  }
}
