/**
 * Proof that a nets4j model computes what its reference computes: {@link FixtureChecker} compares
 * state_dict keys, shapes and dtypes, the parameter count and the outputs with fixtures that
 * PyTorch wrote ({@link ModelFixture}), within stated float64 and float32 tolerances
 * ({@code nets4j check-fixtures}).
 */
package io.nets4j.parity;
