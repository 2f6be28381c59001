/**
 * Image captioning with visual attention: a small "Show, Attend and Tell" captioner (Xu et al.
 * 2015, {@link ShowAttendTell}) trained on generated captions of shape scenes
 * ({@link SceneCaptions}), scored with corpus BLEU ({@link Bleu}), with the image regions it
 * attended to for each word drawn as pictures ({@link AttentionMaps}).
 */
package io.nets4j.captioning;
