package io.nets4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DataLoaderTest {
  /** Sample i: a 1x2x2 image filled with i, label i % 7; optionally failing at one index. */
  private static final class Numbers implements Dataset<LabeledImage> {
    final int size;
    final int failAt;
    final AtomicInteger gets = new AtomicInteger();

    Numbers(int size, int failAt) {
      this.size = size;
      this.failAt = failAt;
    }

    @Override
    public int size() {
      return size;
    }

    @Override
    public LabeledImage get(int index) {
      gets.incrementAndGet();
      if (index == failAt) {
        throw new IllegalStateException("cannot read record " + index);
      }
      float[] d = new float[4];
      Arrays.fill(d, index);
      return new LabeledImage(new Image(d, 1, 2, 2), index % 7);
    }
  }

  /** Adds a random number to every pixel: shows which augmentation stream a sample got. */
  private static final Transform NOISE = (img, random) -> {
    float[] d = img.data().clone();
    float shift = (float) random.nextDouble();
    for (int i = 0; i < d.length; i++) {
      d[i] += shift;
    }
    return new Image(d, img.channels(), img.height(), img.width());
  };

  private static long dataThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("nets4j-data-")).count();
  }

  @AfterEach
  void noThreadLeft() throws InterruptedException {
    // Workers of epochs that were closed are gone at once; an abandoned epoch's end within their idle timeout.
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (dataThreads() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(0, dataThreads(), "data loader threads still alive");
  }

  private static List<RawBatch> drain(DataLoader loader, int epoch) {
    List<RawBatch> out = new ArrayList<>();
    try (DataLoader.Epoch e = loader.epoch(epoch)) {
      while (e.hasNext()) {
        out.add(e.nextRaw());
      }
    }
    return out;
  }

  @Test
  void shuffledOrderIsReproducibleAndCoversEverySampleOnce() {
    Numbers data = new Numbers(103, -1);
    DataLoader a = DataLoader.builder(data).batchSize(10).shuffle(true).seed(3).build();
    DataLoader b = DataLoader.builder(data).batchSize(10).shuffle(true).seed(3).workers(3).build();
    assertArrayEquals(a.order(4), b.order(4));
    assertFalse(Arrays.equals(a.order(4), a.order(5)));
    assertFalse(Arrays.equals(a.order(4), DataLoader.builder(data).shuffle(true).seed(4).build().order(4)));
    int[] plain = DataLoader.builder(data).build().order(9);
    for (int i = 0; i < plain.length; i++) {
      assertEquals(i, plain[i]);
    }
    for (int epoch = 0; epoch < 3; epoch++) {
      List<RawBatch> batches = drain(b, epoch);
      assertEquals(11, batches.size());
      assertEquals(11, b.batchCount());
      assertEquals(3, batches.get(10).size());
      int[] seen = new int[data.size()];
      int pos = 0;
      int[] order = a.order(epoch);
      for (RawBatch batch : batches) {
        for (int k = 0; k < batch.size(); k++) {
          int index = batch.indices()[k];
          assertEquals(order[pos++], index);
          seen[index]++;
          assertEquals(index % 7, batch.labels()[k]);
          assertEquals(index, batch.images()[4 * k], 0f);
        }
      }
      for (int count : seen) {
        assertEquals(1, count);
      }
    }
  }

  @Test
  void dropLast() {
    DataLoader loader = DataLoader.builder(new Numbers(103, -1)).batchSize(10).dropLast(true).shuffle(true).build();
    assertEquals(10, loader.batchCount());
    List<RawBatch> batches = drain(loader, 0);
    assertEquals(10, batches.size());
    assertTrue(batches.stream().allMatch(b -> b.size() == 10));
  }

  @Test
  void workersGiveTheSameBatchesAsInlineLoading() {
    Numbers data = new Numbers(50, -1);
    for (int epoch = 0; epoch < 2; epoch++) {
      List<RawBatch> inline = drain(DataLoader.builder(data).batchSize(8).shuffle(true).seed(1).transform(NOISE)
          .build(), epoch);
      List<RawBatch> threaded = drain(DataLoader.builder(data).batchSize(8).shuffle(true).seed(1).transform(NOISE)
          .workers(4).prefetch(3).build(), epoch);
      assertEquals(inline.size(), threaded.size());
      for (int i = 0; i < inline.size(); i++) {
        assertArrayEquals(inline.get(i).indices(), threaded.get(i).indices());
        assertArrayEquals(inline.get(i).images(), threaded.get(i).images());
      }
      // The augmentation really is random per sample and epoch.
      RawBatch first = inline.get(0);
      assertTrue(first.images()[0] - first.indices()[0] != first.images()[4] - first.indices()[1]);
    }
    float e0 = drain(DataLoader.builder(data).batchSize(8).transform(NOISE).build(), 0).get(0).images()[0];
    float e1 = drain(DataLoader.builder(data).batchSize(8).transform(NOISE).build(), 1).get(0).images()[0];
    assertTrue(e0 != e1, "sample 0 got the same augmentation in epochs 0 and 1");
  }

  @Test
  void resumingAtABatchContinuesTheEpoch() {
    DataLoader loader = DataLoader.builder(new Numbers(40, -1)).batchSize(6).shuffle(true).seed(8).transform(NOISE)
        .workers(2).build();
    List<RawBatch> all = drain(loader, 2);
    try (DataLoader.Epoch e = loader.epoch(2, 4)) {
      for (int i = 4; i < all.size(); i++) {
        RawBatch b = e.nextRaw();
        assertArrayEquals(all.get(i).indices(), b.indices());
        assertArrayEquals(all.get(i).images(), b.images());
      }
      assertFalse(e.hasNext());
    }
  }

  @Test
  void batchesAreTensorsOwnedByTheConsumersScope() {
    DataLoader loader = DataLoader.builder(new Numbers(10, -1)).batchSize(4).workers(2).build();
    int batches = 0;
    try (DataLoader.Epoch epoch = loader.epoch(0)) {
      while (epoch.hasNext()) {
        try (Scope step = Scope.open()) {
          Batch b = epoch.next();
          assertArrayEquals(new long[] {b.size(), 1, 2, 2}, Tensors.shape(b.images()));
          assertEquals(DType.FLOAT32, Tensors.dtype(b.images()));
          assertArrayEquals(new long[] {b.size()}, Tensors.shape(b.labels()));
          assertEquals(DType.INT64, Tensors.dtype(b.labels()));
          long[] labels = Tensors.toLongArray(b.labels());
          float[] images = Tensors.toFloatArray(b.images());
          for (int k = 0; k < b.size(); k++) {
            assertEquals(b.indices()[k] % 7, labels[k]);
            assertEquals(b.indices()[k], images[4 * k], 0f);
          }
          if (batches == 1) {
            b.close(); // freeing early is safe; the scope then has nothing left to free for it
          }
          batches++;
        }
      }
    }
    assertEquals(3, batches);
    // A single-sample batch still has labels of shape [1].
    try (Scope s = Scope.open(); DataLoader.Epoch e = DataLoader.builder(new Numbers(1, -1)).build().epoch(0)) {
      for (Batch b : e) {
        assertArrayEquals(new long[] {1}, Tensors.shape(b.labels()));
      }
    }
  }

  @Test
  void workerFailureReachesTheConsumerWithTheSampleIndex() {
    for (int workers : new int[] {0, 2}) {
      DataLoader loader = DataLoader.builder(new Numbers(30, 13)).batchSize(4).workers(workers).build();
      DataLoader.Epoch epoch = loader.epoch(0);
      DataLoaderException e = assertThrows(DataLoaderException.class, () -> {
        while (epoch.hasNext()) {
          epoch.nextRaw();
        }
      });
      assertEquals(13, e.sampleIndex());
      assertTrue(e.getMessage().contains("sample 13 (epoch 1, batch 4)") // counted from 1, as the progress display counts
          && e.getMessage().contains("cannot read record 13"), e.getMessage());
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      assertTrue(root instanceof IllegalStateException);
      assertFalse(epoch.hasNext()); // the failed epoch is closed, its workers stopped
      assertEquals(0, dataThreads());
    }
  }

  @Test
  void imagesOfDifferentSizesCannotBeStacked() {
    Dataset<LabeledImage> mixed = new Dataset<>() {
      @Override
      public int size() {
        return 2;
      }

      @Override
      public LabeledImage get(int index) {
        return new LabeledImage(new Image(new float[3 * (index + 1)], 3, 1, index + 1), 0);
      }
    };
    DataLoaderException e = assertThrows(DataLoaderException.class,
        () -> drain(DataLoader.builder(mixed).batchSize(2).build(), 0));
    assertEquals(1, e.sampleIndex());
    assertTrue(e.getMessage().contains("3x1x2 cannot be stacked with sample 0's 3x1x1"), e.getMessage());
  }

  @Test
  void earlyBreakAndClosingStopTheWorkers() throws InterruptedException {
    Numbers data = new Numbers(1000, -1);
    DataLoader loader = DataLoader.builder(data).batchSize(4).workers(2).prefetch(2).build();
    try (DataLoader.Epoch epoch = loader.epoch(0)) {
      epoch.nextRaw();
      Thread.sleep(300);
      // Prefetching is bounded: the batch taken and two ahead.
      assertTrue(data.gets.get() <= 3 * 4, data.gets.get() + " samples loaded");
      assertTrue(dataThreads() > 0);
    }
    assertEquals(0, dataThreads());
    try (DataLoader.Epoch epoch = loader.epoch(1)) {
      for (Batch b : epoch) {
        b.close();
        break;
      }
    }
    assertEquals(0, dataThreads());
    // Left unclosed: the workers finish the batches requested and time out (checked after the test).
    DataLoader.Epoch abandoned = loader.epoch(2);
    abandoned.nextRaw();
  }

  @Test
  void badSettings() {
    Numbers data = new Numbers(5, -1);
    assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(data).batchSize(0));
    assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(data).workers(-1));
    assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(data).prefetch(0));
    assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(data).build().epoch(0, 2));
    DataLoader.Epoch e = DataLoader.builder(data).build().epoch(0);
    e.iterator();
    assertThrows(IllegalStateException.class, e::iterator);
    e.close();
    assertThrows(java.util.NoSuchElementException.class, e::next);
  }
}
