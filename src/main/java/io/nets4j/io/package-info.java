/**
 * Reading and writing weights: safetensors ({@link SafeTensors}), both {@code torch.save} formats
 * through a restricted unpickler that runs no code ({@link PyTorchFile}), chosen by the content of
 * the file ({@link WeightsFile}), and loading a state_dict into a model with every key, shape and
 * dtype checked ({@link StateDicts}, {@link LoadMode}).
 */
package io.nets4j.io;
