package io.nets4j.distributed;

import java.util.Locale;

/** The c10d communication backend of a process group. */
public enum DistributedBackend {
  /** Gloo: CPU tensors, TCP between processes; what every test here runs on. */
  GLOO,
  /**
   * NCCL: CUDA tensors. The code path is written and compiles against the jar, but it is untested
   * here (no GPU); it needs the {@code -gpu} natives of {@code org.bytedeco:pytorch} and
   * {@code org.bytedeco:cuda} on the classpath.
   */
  NCCL;

  /** Parses {@code gloo} or {@code nccl} (any case). */
  public static DistributedBackend parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown distributed backend '" + s + "'; expected gloo or nccl", e);
    }
  }
}
