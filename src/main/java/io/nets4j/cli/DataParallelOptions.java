package io.nets4j.cli;

import io.nets4j.distributed.DistributedBackend;
import io.nets4j.distributed.Launcher;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * Data-parallel training of {@code train} (a picocli mixin): the processes of this machine, the
 * machines of the job and their rendezvous, as torchrun's options (docs/distributed.md).
 */
final class DataParallelOptions {
  @Option(names = "--nproc-per-node", defaultValue = "0", paramLabel = "N",
      description = "data parallel: start N worker processes on this machine (0 = this process trains alone)") int nprocPerNode;

  @Option(names = "--nnodes", defaultValue = "1", paramLabel = "K",
      description = "data parallel: machines in the job (default: ${DEFAULT-VALUE})") int nnodes;

  @Option(names = "--node-rank", defaultValue = "0", paramLabel = "R",
      description = "data parallel: this machine's index; 0 hosts rank 0 (default: ${DEFAULT-VALUE})") int nodeRank;

  @Option(names = "--master-addr", defaultValue = "127.0.0.1", paramLabel = "HOST",
      description = "data parallel: address of node 0 (default: ${DEFAULT-VALUE})") String masterAddr;

  @Option(names = "--master-port", defaultValue = "29500", paramLabel = "PORT",
      description = "data parallel: TCP port of the rendezvous store on node 0 (default: ${DEFAULT-VALUE})") int masterPort;

  @Option(names = "--bucket-cap-mb", defaultValue = "25", paramLabel = "MB",
      description = "data parallel: gradient bucket size of the allreduce (default: ${DEFAULT-VALUE}, as DDP)") double bucketCapMb;

  @Option(names = "--dist-timeout", defaultValue = "1800", paramLabel = "SECONDS",
      description = "data parallel: how long a rank waits for the others before failing (default: ${DEFAULT-VALUE}, as PyTorch)") double distTimeout;

  @Option(names = "--sync-batch-norm",
      description = "data parallel: batch norms use the statistics of the whole job's batch (as torch.nn.SyncBatchNorm)") boolean syncBatchNorm;

  @Option(names = "--dist-backend", defaultValue = "gloo", paramLabel = "gloo|nccl",
      description = "data parallel: gloo (CPU) or nccl (CUDA, untested) (default: ${DEFAULT-VALUE})") String distBackend;

  /** The communication backend {@code --dist-backend} names. */
  DistributedBackend backend() {
    return DistributedBackend.parse(distBackend);
  }

  /** The launcher of this machine's {@code --nproc-per-node} workers. */
  Launcher launcher() {
    if (!(distTimeout > 0)) {
      throw new IllegalArgumentException("--dist-timeout must be positive, got " + distTimeout);
    }
    return new Launcher(nprocPerNode, nnodes, nodeRank, masterAddr, masterPort,
        Duration.ofMillis(Math.round(distTimeout * 1000)));
  }

  /** {@code --bucket-cap-mb} in bytes, at least one. */
  long bucketCapBytes() {
    if (!(bucketCapMb > 0)) {
      throw new IllegalArgumentException("--bucket-cap-mb must be positive, got " + bucketCapMb);
    }
    return Math.max(1, Math.round(bucketCapMb * (1 << 20)));
  }
}
