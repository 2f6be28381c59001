package io.nets4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.io.PthTestFiles.Pickle;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hand-made pickles that would run code under Python's unpickler: each is refused with a message
 * naming the file and the global (or opcode), and nothing of it runs.
 */
class PthRefusalTest {
  @TempDir
  Path dir;

  /** A marker file the payloads would create, were they run. */
  private Path marker() {
    return dir.resolve("pwned");
  }

  private Pickle systemCall(Pickle p) {
    return p.str("touch " + marker()).op(0x85, 'R');
  }

  private PyTorchFileException refusedZip(String name, byte[] pickle) throws IOException {
    Path file = PthTestFiles.zipFile(dir, name, pickle, Map.of("0", PthTestFiles.floats(1, 2, 3, 4)));
    PyTorchFileException e = assertThrows(PyTorchFileException.class, () -> PyTorchFile.open(file));
    assertTrue(e.getMessage().startsWith(name + ": refused: archive/data.pkl at byte "), e.getMessage());
    assertEquals(name, e.fileName());
    assertFalse(Files.exists(marker()));
    return e;
  }

  @Test
  void posixSystemThroughGlobalAndReduce() throws IOException {
    PyTorchFileException e = refusedZip("evil.pth", systemCall(Pickle.proto2().global("posix", "system")).stop().bytes());
    assertTrue(e.getMessage().contains("GLOBAL imports posix.system, which torch.load(weights_only=True) does not"
        + " allow either; nothing from the file was run"), e.getMessage());
  }

  @Test
  void everyOtherWayToNameACallable() throws IOException {
    Map<String, Pickle> cases = new LinkedHashMap<>();
    cases.put("builtins.eval", systemCall(Pickle.proto2().global("builtins", "eval")));
    cases.put("os.system", systemCall(Pickle.proto2().global("os", "system")));
    // Python 2 spelling, which pickle maps to builtins
    cases.put("builtins.exec", systemCall(Pickle.proto2().global("__builtin__", "exec")));
    // protocol 4: module and name from the stack
    cases.put("subprocess.call", systemCall(new Pickle().op(0x80, 4).op(0x8c, 10).ascii("subprocess").op(0x8c, 4)
        .ascii("call").op(0x93)));
    cases.put("torch.load", systemCall(Pickle.proto2().global("torch", "load")));
    // hidden in the middle of a valid state_dict
    cases.put("nt.system", Pickle.proto2().global("collections", "OrderedDict").op(')', 'R', '(').str("w")
        .global("nt", "system").str("x").op(0x85, 'R', 'u'));
    for (Map.Entry<String, Pickle> c : cases.entrySet()) {
      PyTorchFileException e = refusedZip("case.pth", c.getValue().stop().bytes());
      assertTrue(e.getMessage().contains("imports " + c.getKey() + ", which"), e.getMessage());
    }
  }

  @Test
  void objectConstructionOpcodes() throws IOException {
    PyTorchFileException inst = refusedZip("inst.pth", Pickle.proto2().op('(').str("id").op('i').ascii("os\nsystem\n")
        .stop().bytes());
    assertTrue(inst.getMessage().contains("INST opcode (it creates an instance of os.system)"), inst.getMessage());
    PyTorchFileException obj = refusedZip("obj.pth", Pickle.proto2().op('(').global("collections", "OrderedDict")
        .op('o').stop().bytes());
    assertTrue(obj.getMessage().contains("OBJ opcode"), obj.getMessage());
    PyTorchFileException ext = refusedZip("ext.pth", Pickle.proto2().op(0x82, 1).stop().bytes());
    assertTrue(ext.getMessage().contains("EXT opcode"), ext.getMessage());
  }

  @Test
  void reduceAndBuildTricksOnAllowedNames() throws IOException {
    // an allowed class is not a function to call
    PyTorchFileException storage = refusedZip("call.pth", Pickle.proto2().global("torch", "FloatStorage")
        .op(')', 'R').stop().bytes());
    assertTrue(storage.getMessage().contains("REDUCE calls torch.FloatStorage"), storage.getMessage());
    // REDUCE on something that is not a global at all
    PyTorchFileException string = refusedZip("string.pth", Pickle.proto2().str("os.system").op(')', 'R').stop()
        .bytes());
    assertTrue(string.getMessage().contains("REDUCE calls a str"), string.getMessage());
    // __setstate__ through BUILD on a plain dict, and NEWOBJ of a class torch does not construct
    PyTorchFileException build = refusedZip("build.pth", Pickle.proto2().op('}', '}', 'b').stop().bytes());
    assertTrue(build.getMessage().contains("BUILD sets the state of dict"), build.getMessage());
    PyTorchFileException newobj = refusedZip("newobj.pth", Pickle.proto2().global("torch", "device").op(')', 0x81)
        .stop().bytes());
    assertTrue(newobj.getMessage().contains("NEWOBJ creates an instance of torch.device"), newobj.getMessage());
  }

  @Test
  void theLegacyFormatIsRefusedAlike() throws IOException {
    byte[] main = systemCall(Pickle.proto2().global("posix", "system")).stop().bytes();
    Path file = Files.write(dir.resolve("old.pth"), PthTestFiles.legacy(main, Map.of(), 4));
    PyTorchFileException e = assertThrows(PyTorchFileException.class, () -> StateDicts.load(
        new StateDictsTest.Tiny(), file, LoadMode.LENIENT));
    assertTrue(e.getMessage().startsWith("old.pth: refused: the main pickle at byte 2: GLOBAL imports posix.system"),
        e.getMessage());
    assertFalse(Files.exists(marker()));
  }

  @Test
  void handMadeFilesThatAreSafeAreRead() throws IOException {
    // the same builder, with nothing but a state_dict: proves that the refusals above are not the builder's fault
    byte[] storage = PthTestFiles.floats(0, 1, 2, 3, 4, 5);
    Path zip = PthTestFiles.zipFile(dir, "ok.pth", PthTestFiles.stateDict(6, false, new long[] {3, 2},
        new long[] {1, 3}, 0).stop().bytes(), Map.of("0", storage));
    Path legacy = Files.write(dir.resolve("ok.legacy.pth"), PthTestFiles.legacy(PthTestFiles.stateDict(6, true,
        new long[] {3, 2}, new long[] {1, 3}, 0).stop().bytes(), Map.of("0", storage), 4));
    for (Path p : new Path[] {zip, legacy}) {
      try (Scope s = Scope.open()) {
        Tensor w = PyTorchFile.open(p).tensors().get("w");
        // [[0, 1, 2], [3, 4, 5]] transposed
        assertEquals("[0.0, 3.0, 1.0, 4.0, 2.0, 5.0]", Arrays.toString(Tensors.toFloatArray(w)));
      }
    }
  }
}
