package io.nets4j.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Rendezvous faults that must fail with a clear message before any training (loopback only). */
class ProcessGroupsTest {
  private static DistributedConfig config(int port, int world, int rank, int timeoutSeconds) {
    return new DistributedConfig("127.0.0.1", port, world, rank, rank, Duration.ofSeconds(timeoutSeconds),
        DistributedBackend.GLOO);
  }

  @Test
  void aPortInUseIsNamed() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      int port = taken.getLocalPort();
      DistributedException e = assertThrows(DistributedException.class, () -> ProcessGroups.connect(config(port, 1,
          0, 5)));
      assertTrue(e.getMessage().contains("rank 0 of 1") && e.getMessage().contains("127.0.0.1:" + port)
          && e.getMessage().contains("already in use"), e.getMessage());
    }
  }

  @Test
  void anUnreachableMasterIsReportedAfterTheTimeout() {
    int port = ChildJvms.freePort();
    DistributedException e = assertThrows(DistributedException.class, () -> ProcessGroups.connect(config(port, 2, 1,
        2)));
    assertTrue(e.getMessage().contains("rank 1 of 2: cannot reach the master (rank 0) at 127.0.0.1:" + port),
        e.getMessage());
  }

  @Test
  void ranksWithAnotherWorldSizeFailOnBothSides() throws Exception {
    int port = ChildJvms.freePort();
    CompletableFuture<Throwable> master = CompletableFuture.supplyAsync(() -> failure(config(port, 2, 0, 20)));
    Throwable worker = failure(config(port, 3, 1, 20));
    Throwable m = master.get(60, TimeUnit.SECONDS);
    for (Throwable t : new Throwable[] {m, worker}) {
      assertTrue(t instanceof DistributedException, String.valueOf(t));
      assertTrue(t.getMessage().contains("the ranks disagree on the world size: rank 0 has '2', rank 1 has '3'"),
          t.getMessage());
    }
    assertTrue(m.getMessage().startsWith("rank 0 of 2"), m.getMessage());
    assertTrue(worker.getMessage().startsWith("rank 1 of 3"), worker.getMessage());
  }

  @Test
  void torchrunVariablesAreReadAndCheckedByName() {
    DistributedConfig c = DistributedConfig.fromEnvironment(Map.of("MASTER_ADDR", "10.0.0.1", "MASTER_PORT", "29400",
        "WORLD_SIZE", "4", "RANK", "3", "LOCAL_RANK", "1", DistributedConfig.TIMEOUT_VARIABLE, "2.5"),
        DistributedBackend.GLOO).orElseThrow();
    assertEquals(new DistributedConfig("10.0.0.1", 29400, 4, 3, 1, Duration.ofMillis(2500), DistributedBackend.GLOO),
        c);
    assertEquals(c, DistributedConfig.fromEnvironment(c.environment(), DistributedBackend.GLOO).orElseThrow());
    assertTrue(DistributedConfig.fromEnvironment(Map.of(), DistributedBackend.GLOO).isEmpty());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DistributedConfig.fromEnvironment(
        Map.of("MASTER_ADDR", "h", "MASTER_PORT", "1", "WORLD_SIZE", "2", "RANK", "2"), DistributedBackend.GLOO));
    assertTrue(e.getMessage().contains("RANK") && e.getMessage().contains("0..1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> DistributedConfig.fromEnvironment(Map.of("WORLD_SIZE", "2",
        "RANK", "0", "MASTER_PORT", "1"), DistributedBackend.GLOO));
    assertTrue(e.getMessage().contains("MASTER_ADDR"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> DistributedConfig.fromEnvironment(Map.of("MASTER_ADDR", "h",
        "MASTER_PORT", "x", "WORLD_SIZE", "2", "RANK", "0"), DistributedBackend.GLOO));
    assertTrue(e.getMessage().contains("MASTER_PORT must be an integer, got 'x'"), e.getMessage());
  }

  private static Throwable failure(DistributedConfig c) {
    try {
      ProcessGroups.connect(c);
      return null;
    } catch (RuntimeException e) {
      return e;
    }
  }
}
