package io.nets4j.distributed;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Where a process stands in a distributed job, in torchrun's terms.
 *
 * @param masterAddr host of rank 0, which serves the rendezvous store ({@code MASTER_ADDR})
 * @param masterPort the store's TCP port on that host ({@code MASTER_PORT})
 * @param worldSize number of processes in the job ({@code WORLD_SIZE})
 * @param rank this process's global rank, 0 to worldSize - 1 ({@code RANK})
 * @param localRank its rank on its machine ({@code LOCAL_RANK}; picks the GPU with NCCL)
 * @param timeout how long rendezvous and every collective may wait for the other ranks
 *     ({@code NETS4J_DIST_TIMEOUT} in seconds); a dead or hung rank is reported after at most this
 * @param backend Gloo on CPU, NCCL on CUDA
 */
public record DistributedConfig(String masterAddr, int masterPort, int worldSize, int rank, int localRank,
    Duration timeout, DistributedBackend backend) {
  /** The environment variable of the timeout, in seconds. */
  public static final String TIMEOUT_VARIABLE = "NETS4J_DIST_TIMEOUT";
  /**
   * The default timeout, PyTorch's {@code default_pg_timeout}: long enough for rank 0's
   * validation pass while the others wait (a dead rank is usually noticed at once anyway).
   */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);

  public DistributedConfig {
    if (masterAddr == null || masterAddr.isBlank()) {
      throw new IllegalArgumentException("the master address (MASTER_ADDR) is empty");
    }
    if (masterPort < 1 || masterPort > 65535) {
      throw new IllegalArgumentException("the master port (MASTER_PORT) must be in 1..65535, got " + masterPort);
    }
    if (worldSize < 1) {
      throw new IllegalArgumentException("the world size (WORLD_SIZE) must be positive, got " + worldSize);
    }
    if (rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException("the rank (RANK) must be in 0.." + (worldSize - 1) + " for a world size of "
          + worldSize + ", got " + rank);
    }
    if (localRank < 0) {
      throw new IllegalArgumentException("the local rank (LOCAL_RANK) must be >= 0, got " + localRank);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the distributed timeout must be positive, got " + timeout);
    }
  }

  /** Whether this process is rank 0, the one that writes the run directory. */
  public boolean isMaster() {
    return rank == 0;
  }

  /**
   * The job torchrun's variables describe, or empty when {@code WORLD_SIZE} is not set (a
   * single-process run). {@code MASTER_ADDR}, {@code MASTER_PORT} and {@code RANK} are then
   * required; {@code LOCAL_RANK} defaults to 0.
   */
  public static Optional<DistributedConfig> fromEnvironment(Map<String, String> env, DistributedBackend backend) {
    if (env.get("WORLD_SIZE") == null) {
      return Optional.empty();
    }
    int world = integer(env, "WORLD_SIZE", null);
    Duration timeout = env.get(TIMEOUT_VARIABLE) == null ? DEFAULT_TIMEOUT
        : Duration.ofMillis(Math.round(1000 * number(env, TIMEOUT_VARIABLE)));
    return Optional.of(new DistributedConfig(required(env, "MASTER_ADDR"), integer(env, "MASTER_PORT", null), world,
        integer(env, "RANK", null), integer(env, "LOCAL_RANK", 0), timeout, backend));
  }

  /** The variables torchrun sets for this process (and the timeout), for a child process's environment. */
  public Map<String, String> environment() {
    return Map.of("MASTER_ADDR", masterAddr, "MASTER_PORT", Integer.toString(masterPort), "WORLD_SIZE",
        Integer.toString(worldSize), "RANK", Integer.toString(rank), "LOCAL_RANK", Integer.toString(localRank),
        TIMEOUT_VARIABLE, Double.toString(timeout.toMillis() / 1000.0));
  }

  private static String required(Map<String, String> env, String name) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("WORLD_SIZE is set but " + name + " is not; a distributed run needs "
          + "MASTER_ADDR, MASTER_PORT, WORLD_SIZE and RANK (as torchrun sets them)");
    }
    return v.trim();
  }

  private static int integer(Map<String, String> env, String name, Integer fallback) {
    String v = fallback != null && env.get(name) == null ? fallback.toString() : required(env, name);
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("the environment variable " + name + " must be an integer, got '" + v + "'",
          e);
    }
  }

  private static double number(Map<String, String> env, String name) {
    String v = env.get(name);
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("the environment variable " + name + " must be a number of seconds, got '"
          + v + "'", e);
    }
  }
}
