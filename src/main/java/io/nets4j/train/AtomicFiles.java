package io.nets4j.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/** Writing files so that readers see either the old or the new content, never a part. */
public final class AtomicFiles {
  private AtomicFiles() {}

  /**
   * Writes {@code text} (UTF-8) to a temporary file next to {@code target}, syncs it and moves it
   * over {@code target} atomically. On failure the temporary file is removed and {@code target}
   * is unchanged.
   */
  public static void writeString(Path target, String text) {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = temporaryNextTo(target.toAbsolutePath());
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      tmp = null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + " (" + e + ")", e);
    } finally {
      deleteQuietly(tmp);
    }
  }

  /**
   * A new empty file next to {@code target} with a random name, created with the default
   * permissions (which {@code Files.createTempFile} would narrow to the owner).
   */
  static Path temporaryNextTo(Path target) throws IOException {
    while (true) {
      Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-"
          + Long.toHexString(ThreadLocalRandom.current().nextLong()));
      try {
        return Files.createFile(tmp);
      } catch (FileAlreadyExistsException e) {
        // another writer drew the same name: draw again
      }
    }
  }

  /** Syncs a directory's entries to disk (after files were created or renamed in it). */
  static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // some file systems cannot sync a directory; the renames are still atomic there
    }
  }

  static void deleteQuietly(Path p) {
    if (p == null) {
      return;
    }
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // a stray temporary file is harmless; the original failure is the one to report
    }
  }

  /** Deletes a directory tree (checkpoints no longer kept, a run that failed before its first checkpoint). */
  public static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir + " (" + e + ")", e);
    }
  }
}
