package io.nets4j.tensor;

import java.util.Locale;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** The element types nets4j stores and computes with, with their safetensors codes. */
public enum DType {
  FLOAT64("F64", ScalarType.Double, 8, true),
  FLOAT32("F32", ScalarType.Float, 4, true),
  FLOAT16("F16", ScalarType.Half, 2, true),
  BFLOAT16("BF16", ScalarType.BFloat16, 2, true),
  INT64("I64", ScalarType.Long, 8, false),
  INT32("I32", ScalarType.Int, 4, false),
  INT16("I16", ScalarType.Short, 2, false),
  INT8("I8", ScalarType.Char, 1, false),
  UINT8("U8", ScalarType.Byte, 1, false),
  BOOL("BOOL", ScalarType.Bool, 1, false);

  private final String safetensorsCode;
  private final ScalarType scalarType;
  private final int byteSize;
  private final boolean floatingPoint;

  DType(String safetensorsCode, ScalarType scalarType, int byteSize, boolean floatingPoint) {
    this.safetensorsCode = safetensorsCode;
    this.scalarType = scalarType;
    this.byteSize = byteSize;
    this.floatingPoint = floatingPoint;
  }

  public String safetensorsCode() {
    return safetensorsCode;
  }

  public ScalarType scalarType() {
    return scalarType;
  }

  public int byteSize() {
    return byteSize;
  }

  public boolean isFloatingPoint() {
    return floatingPoint;
  }

  /** The name PyTorch prints for this type, e.g. {@code float32}. */
  public String torchName() {
    return switch (this) {
      case FLOAT64 -> "float64";
      case FLOAT32 -> "float32";
      case FLOAT16 -> "float16";
      case BFLOAT16 -> "bfloat16";
      case INT64 -> "int64";
      case INT32 -> "int32";
      case INT16 -> "int16";
      case INT8 -> "int8";
      case UINT8 -> "uint8";
      case BOOL -> "bool";
    };
  }

  /**
   * The type of a libtorch scalar type. Compared by value: JavaCPP returns fresh enum instances
   * from native calls, so identity comparison fails.
   */
  public static DType of(ScalarType scalarType) {
    for (DType d : values()) {
      if (d.scalarType.value == scalarType.value) {
        return d;
      }
    }
    throw new IllegalArgumentException("unsupported tensor element type " + scalarType);
  }

  /** The type for a safetensors dtype code, or {@code null} if nets4j does not support it. */
  public static DType fromSafetensorsCode(String code) {
    for (DType d : values()) {
      if (d.safetensorsCode.equals(code)) {
        return d;
      }
    }
    return null;
  }

  /** Parses {@code f32}, {@code float32}, {@code F32}, {@code bf16}, ... */
  public static DType parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    for (DType d : values()) {
      if (d.safetensorsCode.equalsIgnoreCase(t) || d.torchName().equals(t)) {
        return d;
      }
    }
    throw new IllegalArgumentException("unknown dtype '" + text + "' (use one of f64, f32, f16, bf16, i64, i32, i16, i8, u8, bool)");
  }
}
