package io.nets4j.experiments;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nets4j.bench.MachineInfo;
import java.util.List;
import java.util.Locale;

/**
 * A finished experiment with the circumstances of its run, as the Markdown document
 * ({@code docs/experiments/NAME.md}) and as JSON ({@code --json}: the tables and {@code holds} per claim).
 *
 * @param name the experiment's name
 * @param title the document's title
 * @param result what was measured
 * @param budget the budget it ran with
 * @param quick whether it was the quick run
 * @param command the command line that produced it
 * @param machine the machine it ran on
 * @param wallSeconds the wall time of the whole experiment
 * @param load the load average when it ended ({@code /proc/loadavg}), or "unknown"
 */
public record ExperimentReport(String name, String title, ExperimentResult result, Budget budget, boolean quick,
    String command, MachineInfo machine, double wallSeconds, String load) {
  /** The line the index takes as the document's result. */
  static final String RESULT_PREFIX = "**Result:** ";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The Markdown document. */
  public String markdown() {
    StringBuilder b = new StringBuilder();
    b.append("# ").append(title).append("\n\n");
    b.append(RESULT_PREFIX).append(result.summary()).append("\n\n");
    if (quick) {
      b.append("> A quick run (`--quick`): fewer epochs and images than the full run, so the numbers show the "
          + "direction of the claim, not the paper's values.\n\n");
    }
    if (loaded()) {
      b.append("> Run on a loaded machine (load average ").append(load).append(" on ").append(machine.cores())
          .append(" cores): the wall time is not what this budget takes on idle cores.\n\n");
    }
    b.append("## Claims\n\n| claim | holds | evidence |\n| --- | --- | --- |\n");
    for (Claim c : result.claims()) {
      b.append("| ").append(c.statement()).append(" | ").append(c.holds() ? "yes" : "**no**").append(" | ")
          .append(c.evidence()).append(" |\n");
    }
    b.append('\n');
    for (Table t : result.tables()) {
      b.append("## ").append(t.title()).append("\n\n").append(t.markdown()).append('\n');
    }
    if (budget.seeds() < 3) {
      b.append("Only ").append(budget.seeds()).append(" seed(s): the spread says little about whether a difference is real.\n\n");
    } else {
      b.append("Cells are mean ± standard deviation (min-max) over ").append(budget.seeds())
          .append(" seeds; where two ranges overlap, the difference may be seed noise.\n\n");
    }
    for (String plot : result.plots()) {
      b.append("![").append(plot).append("](images/").append(plot).append(")\n\n");
    }
    b.append(result.notes().strip()).append("\n\n");
    b.append("## Run\n\n");
    b.append("- Command: `").append(command).append("`\n");
    b.append(String.format(Locale.ROOT, "- Budget: %d epochs, %d training and %d test images at %dx%d, batch %d, %d seeds%n",
        budget.epochs(), budget.trainSize(), budget.testSize(), budget.imageSize(), budget.imageSize(), budget.batch(),
        budget.seeds()));
    b.append(String.format(Locale.ROOT, "- Wall time: %.0f s (%.1f min); load average at the end: %s%n", wallSeconds,
        wallSeconds / 60, load));
    b.append(machine.markdown());
    return b.toString();
  }

  /** Whether the 1-minute load average was above the number of cores, so that the run shared them. */
  boolean loaded() {
    try {
      return Double.parseDouble(load.split(",")[0].trim()) > machine.cores();
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** The JSON: name, budget, wall time, the tables (cells as numbers, strings or {mean, std, min, max, values}) and the claims. */
  public String json() {
    ObjectNode root = JSON.createObjectNode();
    root.put("experiment", name);
    root.put("quick", quick);
    root.put("holds", result.holds());
    root.set("budget", JSON.valueToTree(budget));
    root.put("wall_seconds", wallSeconds);
    root.put("load", load);
    root.put("loaded", loaded());
    root.put("command", command);
    ArrayNode claims = root.putArray("claims");
    for (Claim c : result.claims()) {
      claims.addObject().put("claim", c.statement()).put("holds", c.holds()).put("evidence", c.evidence());
    }
    ArrayNode tables = root.putArray("tables");
    for (Table t : result.tables()) {
      ObjectNode tn = tables.addObject();
      tn.put("title", t.title());
      tn.set("columns", JSON.valueToTree(t.columns()));
      ArrayNode rows = tn.putArray("rows");
      for (List<Object> row : t.rows()) {
        rows.add(JSON.valueToTree(row));
      }
    }
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot write the report of " + name + " as JSON", e);
    }
  }
}
