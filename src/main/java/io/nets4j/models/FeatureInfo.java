package io.nets4j.models;

/**
 * One feature map a backbone returns for dense prediction (an entry of timm's {@code
 * feature_info}, Wightman 2019, {@code timm/models/_features.py}): the output of {@code module}, a
 * map of {@code channels} at {@code 1 / reduction} of the input resolution.
 *
 * @param module the path of the layer whose output it is, relative to the model ({@code layer2},
 *     {@code features.6}), as in state_dict keys
 * @param channels channels of the map
 * @param reduction the input's size divided by the map's (its stride: 2, 4, 8, 16, 32; the exact
 *     ratio where every layer pads to keep {@code ceil(size / stride)})
 */
public record FeatureInfo(String module, int channels, int reduction) {
  public FeatureInfo {
    if (channels < 1 || reduction < 1) {
      throw new IllegalArgumentException("feature map '" + module + "' needs channels and reduction >= 1, got "
          + channels + " and " + reduction);
    }
  }
}
