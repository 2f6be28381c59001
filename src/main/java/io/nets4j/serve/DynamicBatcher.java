package io.nets4j.serve;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Dynamic batching for one model, as Triton's dynamic batcher and TorchServe's batch aggregation
 * do it: samples queue up, and a worker takes the first one, waits up to {@code maxDelayMs} from
 * its arrival for others (up to {@code maxBatch} in all), and runs them as one forward pass; each
 * request gets its own samples' outputs back. The queue is bounded: a request that does not fit
 * is refused at once (the server answers 503 with {@code Retry-After}) instead of growing memory
 * and latency without bound.
 */
final class DynamicBatcher implements AutoCloseable {
  private record Pending(Sample sample, long arrivedNanos, CompletableFuture<Map<String, TensorData>> result) {}

  private final ServedModel model;
  private final int maxBatch;
  private final long maxDelayNanos;
  private final int capacity;
  private final ServeMetrics metrics;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final List<Thread> workers = new ArrayList<>();
  private boolean closed;

  DynamicBatcher(ServedModel model, ServerOptions options, ServeMetrics metrics) {
    this.model = model;
    this.maxBatch = options.maxBatch();
    this.maxDelayNanos = TimeUnit.MILLISECONDS.toNanos(options.maxDelayMs());
    this.capacity = options.queue();
    this.metrics = metrics;
    metrics.queueDepth(model.name(), 0);
    for (int i = 0; i < options.workers(); i++) {
      Thread t = new Thread(this::work, "nets4j-batcher-" + model.name() + "-" + i);
      t.setDaemon(true);
      workers.add(t);
      t.start();
    }
  }

  /**
   * Queues the samples of one request, all or none; the futures complete with each sample's
   * outputs, or with the model's exception.
   *
   * @throws ServeException 503 if the queue has no room for all of them, or the server is stopping
   */
  List<CompletableFuture<Map<String, TensorData>>> submit(List<Sample> samples) {
    if (samples.size() > capacity) {
      throw ServeException.badRequest(samples.size() + " samples in one request; " + model.name()
          + " queues at most " + capacity);
    }
    List<CompletableFuture<Map<String, TensorData>>> futures = new ArrayList<>(samples.size());
    lock.lock();
    try {
      if (closed) {
        throw new ServeException(503, "the server is shutting down");
      }
      if (queue.size() + samples.size() > capacity) {
        throw new ServeException(503, "the queue of " + model.name() + " is full (" + queue.size() + " of "
            + capacity + " samples waiting); retry later");
      }
      long now = System.nanoTime();
      for (Sample s : samples) {
        CompletableFuture<Map<String, TensorData>> f = new CompletableFuture<>();
        queue.add(new Pending(s, now, f));
        futures.add(f);
      }
      metrics.queueDepth(model.name(), queue.size());
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
    return futures;
  }

  /** Samples waiting. */
  int depth() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  private void work() {
    while (true) {
      List<Pending> batch = next();
      if (batch.isEmpty()) {
        return;
      }
      metrics.batch(model.name(), batch.size());
      try {
        List<Map<String, TensorData>> outputs = model.run(batch.stream().map(Pending::sample).toList());
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).result().complete(outputs.get(i));
        }
      } catch (RuntimeException | Error e) {
        // the requests fail, the worker goes on with the next batch
        batch.forEach(p -> p.result().completeExceptionally(e));
      }
    }
  }

  /** The next batch; empty once closed and drained. */
  private List<Pending> next() {
    List<Pending> batch = new ArrayList<>(maxBatch);
    lock.lock();
    try {
      while (queue.isEmpty()) {
        if (closed) {
          return batch;
        }
        notEmpty.awaitUninterruptibly();
      }
      Pending first = queue.poll();
      batch.add(first);
      long deadline = first.arrivedNanos() + maxDelayNanos;
      while (batch.size() < maxBatch) {
        if (!queue.isEmpty()) {
          batch.add(queue.poll());
          continue;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || closed) {
          break;
        }
        try {
          notEmpty.awaitNanos(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      metrics.queueDepth(model.name(), queue.size());
      return batch;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Refuses new samples and runs those queued at once, without waiting for their batches to fill;
   * returns without waiting for them.
   */
  void stop() {
    lock.lock();
    try {
      closed = true;
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** {@link #stop}, then waits for the workers to finish. */
  @Override
  public void close() {
    stop();
    for (Thread t : workers) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
