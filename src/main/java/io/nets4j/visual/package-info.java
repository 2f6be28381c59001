/**
 * Pictures of what a model computes: attention maps of vision transformers (attention rollout and
 * single layers for class-token models, window attention for Swin) overlaid on the input image
 * ({@code nets4j attention}).
 */
package io.nets4j.visual;
