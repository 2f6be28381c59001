package io.nets4j.distributed;

import io.nets4j.tensor.NativeRuntime;
import java.util.Locale;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.BackendOptional;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.ProcessGroup;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.gloo.Device;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.nccl.ProcessGroupNCCL;

/**
 * Joins a distributed job: the rendezvous through a c10d {@code TCPStore} served by rank 0 (as
 * {@code torch.distributed.init_process_group(init_method="env://")} does), then a Gloo (or NCCL)
 * process group over it.
 *
 * <p><b>Why one factory.</b> A store made with {@code new TCPStore(...)} is a plain C++ object,
 * but every c10d consumer takes it as a reference-counted {@code intrusive_ptr}; handing the same
 * object to two consumers aborts the JVM ("Newly-created target had non-zero refcounts"). It is
 * therefore adopted exactly once, by {@code ProcessGroupGloo.GlooStore}, and only the
 * reference-counted store it returns ({@code _getStore()}) is used afterwards. Nothing else in
 * nets4j creates stores.
 */
public final class ProcessGroups {
  private ProcessGroups() {}

  /**
   * Connects this process to the job of {@code config}. Checks before any collective that all
   * ranks agree on the world size; fails with a {@link DistributedException} that names the rank,
   * the address and the cause when the port is taken, the master is unreachable or a rank does not
   * come within the timeout.
   */
  public static DistributedGroup connect(DistributedConfig config) {
    NativeRuntime.load();
    String where = config.masterAddr() + ":" + config.masterPort();
    String me = "rank " + config.rank() + " of " + config.worldSize();
    Milliseconds timeout = new Milliseconds(config.timeout().toMillis());
    TCPStoreOptions options = new TCPStoreOptions();
    options.port((short) config.masterPort()).isServer(config.isMaster()).waitWorkers(false).timeout(timeout);
    TCPStore raw;
    try {
      raw = new TCPStore(config.masterAddr(), options);
    } catch (RuntimeException e) {
      String cause = DistributedGroup.nativeMessage(e);
      if (config.isMaster()) {
        boolean inUse = cause.toLowerCase(Locale.ROOT).contains("address already in use")
            || cause.contains("EADDRINUSE");
        throw new DistributedException(me + ": cannot serve the rendezvous store on " + where
            + (inUse ? ": the port is already in use (another job, or a previous one still running); choose another"
                + " --master-port / MASTER_PORT" : "") + " (" + cause + ")", e);
      }
      throw new DistributedException(me + ": cannot reach the master (rank 0) at " + where + " within "
          + seconds(config) + ": is rank 0 running, and are MASTER_ADDR and MASTER_PORT right? (" + cause + ")", e);
    }
    // the one adoption of the plain object; only the reference-counted store is used from here on
    ProcessGroupGloo.GlooStore adopted = new ProcessGroupGloo.GlooStore(raw);
    // the intrusive_ptr owns the C++ store now: the Java wrapper must never free it (a collected
    // wrapper would leave the process group with a dangling store)
    raw.deallocate(false);
    Store store = adopted._getStore();
    DistributedGroup.agreeThrough(store, config, "world_size", Integer.toString(config.worldSize()));
    ProcessGroup group = new ProcessGroup(store, config.rank(), config.worldSize());
    Backend backend;
    try {
      backend = config.backend() == DistributedBackend.NCCL ? nccl(store, config) : gloo(store, config);
    } catch (RuntimeException e) {
      throw new DistributedException(me + ": the " + config.backend().name().toLowerCase(Locale.ROOT)
          + " process group did not connect within " + seconds(config) + " (" + DistributedGroup.nativeMessage(e)
          + ")", e);
    }
    torch.DeviceType device = config.backend() == DistributedBackend.NCCL ? torch.DeviceType.CUDA
        : torch.DeviceType.CPU;
    group.setBackend(device, config.backend() == DistributedBackend.NCCL ? ProcessGroup.BackendType.NCCL
        : ProcessGroup.BackendType.GLOO, new BackendOptional(backend));
    return new DistributedGroup(config, adopted, store, group, backend);
  }

  private static Backend gloo(Store store, DistributedConfig config) {
    ProcessGroupGloo.Options options = ProcessGroupGloo.Options.create(new Milliseconds(config.timeout().toMillis()));
    options.devices(glooDevices(config));
    return new ProcessGroupGloo(store, config.rank(), config.worldSize(), options);
  }

  /**
   * The network devices Gloo uses, as PyTorch chooses them: the interfaces of
   * {@code GLOO_SOCKET_IFNAME} (comma-separated) if set; else, for a job on one machine (a
   * loopback master address), the master's address; else the address this machine's host name
   * resolves to.
   */
  private static GlooDeviceVector glooDevices(DistributedConfig config) {
    String interfaces = System.getenv("GLOO_SOCKET_IFNAME");
    GlooDeviceVector devices = new GlooDeviceVector();
    if (interfaces != null && !interfaces.isBlank()) {
      for (String name : interfaces.split(",")) {
        devices.push_back(ProcessGroupGloo.createDeviceForInterface(name.trim()));
      }
      return devices;
    }
    String a = config.masterAddr();
    boolean loopback = a.equals("localhost") || a.startsWith("127.") || a.equals("::1");
    Device d = loopback ? ProcessGroupGloo.createDeviceForHostname(a) : ProcessGroupGloo.createDefaultDevice();
    return devices.push_back(d);
  }

  /** NCCL on the GPU of the local rank. Written against the jar's API; untested here (no GPU). */
  private static Backend nccl(Store store, DistributedConfig config) {
    ProcessGroupNCCL.Options options = ProcessGroupNCCL.Options.create();
    options.timeout(new Milliseconds(config.timeout().toMillis()));
    return new ProcessGroupNCCL(store, config.rank(), config.worldSize(), options);
  }

  static String seconds(DistributedConfig config) {
    return String.format(Locale.ROOT, "%.0f s", config.timeout().toMillis() / 1000.0);
  }
}
