/* layoutsim: Leaflet finds its default marker images by reading a CSS url(),
 * which breaks once that url() is a data: URI. Point L.Icon.Default at the
 * inlined images instead. The data_uri tokens below are filled in by
 * layoutsim.render.offline. Part of layoutsim, MIT licensed. */
L.Icon.Default.imagePath = "";
L.Icon.Default.mergeOptions({
  iconUrl: "{{data_uri:leaflet/images/marker-icon.png}}",
  iconRetinaUrl: "{{data_uri:leaflet/images/marker-icon-2x.png}}",
  shadowUrl: "{{data_uri:leaflet/images/marker-shadow.png}}"
});
