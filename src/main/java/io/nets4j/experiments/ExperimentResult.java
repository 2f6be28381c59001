package io.nets4j.experiments;

import java.util.List;

/**
 * What an experiment measured.
 *
 * @param tables the measured numbers
 * @param claims the claims and whether they hold
 * @param plots the PNG files written, as file names in the images folder
 * @param summary one line of result for the index
 * @param notes Markdown paragraphs: set-up, and where and why the result differs from the paper
 */
public record ExperimentResult(List<Table> tables, List<Claim> claims, List<String> plots, String summary,
    String notes) {
  public ExperimentResult {
    tables = List.copyOf(tables);
    claims = List.copyOf(claims);
    plots = List.copyOf(plots);
  }

  /** Whether every claim holds. */
  public boolean holds() {
    return claims.stream().allMatch(Claim::holds);
  }
}
