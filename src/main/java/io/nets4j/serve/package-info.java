/**
 * HTTP inference: {@link InferenceServer} serves classifiers, detectors and segmenters with dynamic
 * batching per model ({@link DynamicBatcher}) over the Open Inference Protocol (KServe v2) and
 * TorchServe's image API, with Prometheus metrics ({@link ServeMetrics}); it is built on the
 * JDK's HTTP server and logs through SLF4J.
 */
package io.nets4j.serve;
