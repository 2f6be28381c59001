package io.nets4j.tensor;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Structure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.Pointer;

/**
 * Readings of the process's memory, for tests and benchmarks: resident set size (current and peak)
 * and the bytes in use in the C heap, where libtorch's CPU allocator takes tensor storage from.
 */
public final class NativeMemory {
  private static final Path STATUS = Path.of("/proc/self/status");

  private NativeMemory() {}

  /**
   * Collects garbage and frees the native objects of collected Java handles now, rather than when
   * JavaCPP's deallocator thread gets to them, so that a following reading does not depend on timing.
   */
  public static void settle() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      Pointer.deallocateReferences();
    }
  }

  /** Current resident set size in bytes (JavaCPP's reading where /proc is not available). */
  public static long residentBytes() {
    long kb = statusKilobytes("VmRSS:");
    return kb >= 0 ? kb * 1024 : Pointer.physicalBytes();
  }

  /** Peak resident set size in bytes, or -1 where the system does not report it. */
  public static long peakResidentBytes() {
    long kb = statusKilobytes("VmHWM:");
    return kb >= 0 ? kb * 1024 : -1;
  }

  /**
   * Bytes allocated and not yet freed through malloc (glibc's {@code mallinfo2}: ordinary plus
   * mmapped chunks), or -1 where that is not available. Unlike the resident size it does not
   * move with the allocator's caching or the JIT, so it shows a native leak precisely.
   */
  public static long mallocInUseBytes() {
    if (!Platform.isLinux()) {
      return -1;
    }
    try {
      MallInfo2 info = GlibcHolder.LIBC.mallinfo2();
      return info.uordblks + info.hblkhd;
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      return -1;
    }
  }

  private static long statusKilobytes(String field) {
    if (!Files.isReadable(STATUS)) {
      return -1;
    }
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  /** glibc's {@code struct mallinfo2}. */
  @Structure.FieldOrder({"arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
      "fordblks", "keepcost"})
  public static final class MallInfo2 extends Structure implements Structure.ByValue {
    public long arena;
    public long ordblks;
    public long smblks;
    public long hblks;
    public long hblkhd;
    public long usmblks;
    public long fsmblks;
    public long uordblks;
    public long fordblks;
    public long keepcost;
  }

  private interface Glibc extends Library {
    MallInfo2 mallinfo2();
  }

  private static final class GlibcHolder {
    static final Glibc LIBC = Native.load(Platform.C_LIBRARY_NAME, Glibc.class);
  }
}
