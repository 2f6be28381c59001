/**
 * The {@code nets4j} command line (picocli): {@link Main} registers every command, and the
 * commands turn options into calls of the library and print its results. It is the only package
 * that writes to the console and sets process-wide properties (headless AWT, the format of the
 * SLF4J binding); it moves to the command-line module.
 */
package io.nets4j.cli;
