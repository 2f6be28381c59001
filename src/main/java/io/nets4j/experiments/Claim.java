package io.nets4j.experiments;

/**
 * A claim of a paper and whether the measured numbers bear it out.
 *
 * @param statement what the paper claims, in one sentence
 * @param holds whether the numbers show it (computed from the table, never set by hand)
 * @param evidence the numbers the decision was taken on
 */
public record Claim(String statement, boolean holds, String evidence) {}
